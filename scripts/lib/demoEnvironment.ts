/**
 * The demo tenant that `npm run dev` and the end-to-end tests run against: the Graph simulator's
 * graphsim/tenants/demo.json and the playground's .m365agentsplayground.yml describe the same people.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The playground config could not be read or lacks a field the stack needs. */
export class PlaygroundConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'PlaygroundConfigError';
  }
}

/** Repository root (scripts/lib → ../..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The playground config checked in at the repository root. */
export const PLAYGROUND_CONFIG_PATH = path.join(REPO_ROOT, '.m365agentsplayground.yml');

/** The Graph simulator's demo tenant fixture. */
export const DEMO_TENANT_PATH = path.join(REPO_ROOT, 'graphsim', 'tenants', 'demo.json');

/** Ids of the demo tenant in graphsim/tenants/demo.json. */
export const DEMO_TENANT = Object.freeze({
  tenantId: '00000000-0000-0000-0000-000000000001',
  groups: Object.freeze({
    access: 'b0000000-0000-4000-8000-0000000000a1',
    fallbackApprovers: 'b0000000-0000-4000-8000-0000000000a2',
    itSecurity: 'b0000000-0000-4000-8000-0000000000a3',
    admins: 'b0000000-0000-4000-8000-0000000000a4',
    auditors: 'b0000000-0000-4000-8000-0000000000a5',
  }),
  teamsAppCatalogId: 'c0000000-0000-4000-8000-0000000000c1',
});

/** A person as the playground knows them. */
export interface PlaygroundUser {
  /** Bot Framework channel account id (user-id-N). */
  id: string;
  name: string;
  aadObjectId: string;
  userPrincipleName: string;
}

/** What the stack needs from .m365agentsplayground.yml. */
export interface PlaygroundConfig {
  tenantId: string;
  bot: { id: string; name: string };
  currentUser: PlaygroundUser;
  users: PlaygroundUser[];
  personalChatId: string;
  groupChat: { id: string; name: string };
  team: { id: string; name: string; aadGroupId: string; channels: { id: string; name: string }[] };
}

type Yaml = string | Yaml[] | { [key: string]: Yaml };

/** Unquotes a YAML scalar. */
function scalar(text: string): string {
  const t = text.replace(/\s+#.*$/, '').trim();
  if (/^".*"$/.test(t)) return JSON.parse(t) as string;
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

/**
 * Reads the block-style YAML subset the playground config uses (maps, lists of maps, plain or quoted
 * scalars, comments). The playground package bundles its YAML parser, and adding one for a single file of
 * our own is not worth a dependency.
 */
export function parseSimpleYaml(text: string): Yaml {
  const lines = text
    .split(/\r?\n/)
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => ({ indent: l.length - l.trimStart().length, body: l.trim() }));
  let i = 0;
  const block = (indent: number): Yaml => {
    if (lines[i]?.body.startsWith('- ')) {
      const list: Yaml[] = [];
      while (i < lines.length && lines[i].indent === indent && lines[i].body.startsWith('- ')) {
        // "- key: v" opens a map whose further keys sit two columns deeper.
        lines[i] = { indent: indent + 2, body: lines[i].body.slice(2).trim() };
        list.push(lines[i].body.includes(':') ? block(indent + 2) : scalar(lines[i++].body));
      }
      return list;
    }
    const map: { [key: string]: Yaml } = {};
    while (i < lines.length && lines[i].indent === indent && !lines[i].body.startsWith('- ')) {
      const m = /^([^:]+):(?:\s+(.*))?$/.exec(lines[i].body);
      if (!m) throw new Error(`cannot read line "${lines[i].body}"`);
      i++;
      const [, key, rest] = m;
      map[key.trim()] = rest !== undefined && rest.trim() !== '' ? scalar(rest) : i < lines.length && lines[i].indent > indent ? block(lines[i].indent) : '';
    }
    return map;
  };
  return block(lines[0]?.indent ?? 0);
}

/** Reads the playground config and checks the fields the stack relies on. */
export function readPlaygroundConfig(file: string = PLAYGROUND_CONFIG_PATH): PlaygroundConfig {
  let doc: Yaml;
  try {
    doc = parseSimpleYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PlaygroundConfigError(file, (error as Error).message);
  }
  const get = (value: Yaml | undefined, where: string): { [key: string]: Yaml } => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new PlaygroundConfigError(file, `${where} must be a map`);
    return value;
  };
  const str = (map: { [key: string]: Yaml }, key: string, where: string): string => {
    const v = map[key];
    if (typeof v !== 'string' || !v) throw new PlaygroundConfigError(file, `${where}.${key} is missing`);
    return v;
  };
  const user = (value: Yaml | undefined, where: string): PlaygroundUser => {
    const m = get(value, where);
    return { id: str(m, 'id', where), name: str(m, 'name', where), aadObjectId: str(m, 'aadObjectId', where), userPrincipleName: str(m, 'userPrincipleName', where) };
  };
  const root = get(doc, '(root)');
  const users = root.users;
  if (!Array.isArray(users) || users.length !== 5) throw new PlaygroundConfigError(file, 'users must list exactly 5 people (the playground refuses any other number)');
  const bot = get(root.bot, 'bot');
  const team = get(root.team, 'team');
  const channels = Array.isArray(team.channels) ? team.channels : [];
  const groupChat = get(root.groupChat, 'groupChat');
  return {
    tenantId: str(root, 'tenantId', '(root)'),
    bot: { id: str(bot, 'id', 'bot'), name: str(bot, 'name', 'bot') },
    currentUser: user(root.currentUser, 'currentUser'),
    users: users.map((u, n) => user(u, `users[${n}]`)),
    personalChatId: str(get(root.personalChat, 'personalChat'), 'id', 'personalChat'),
    groupChat: { id: str(groupChat, 'id', 'groupChat'), name: str(groupChat, 'name', 'groupChat') },
    team: {
      id: str(team, 'id', 'team'),
      name: str(team, 'name', 'team'),
      aadGroupId: str(team, 'aadGroupId', 'team'),
      channels: channels.map((c, n) => {
        const m = get(c, `team.channels[${n}]`);
        return { id: str(m, 'id', `team.channels[${n}]`), name: str(m, 'name', `team.channels[${n}]`) };
      }),
    },
  };
}

/** Options for {@link demoBotEnv}. */
export interface DemoBotEnvOptions {
  port: number;
  graphBaseUrl: string;
  mongoUri?: string;
  mongoDb?: string;
  playground?: PlaygroundConfig;
}

/** The application id URI the demo tab's tokens are issued for (api://{domain}/{client id}, as in the manifest). */
export function demoTabAudience(playground: PlaygroundConfig): string {
  return `api://localhost/${playground.bot.id}`;
}

/**
 * Environment for a local bot against the demo tenant: Graph simulator, demo groups, the IT team and its
 * "IT Security" channel from the playground config, and no app id (the playground needs no auth).
 */
export function demoBotEnv(options: DemoBotEnvOptions): Record<string, string> {
  const playground = options.playground ?? readPlaygroundConfig();
  const itChannel = playground.team.channels[0];
  const env: Record<string, string> = {
    PORT: String(options.port),
    GRAPH_BASE_URL: options.graphBaseUrl,
    // No app id: the playground neither sends nor checks tokens. GRAPH_TENANT_ID is left out because
    // bot/config.ts accepts it only together with Graph credentials.
    MicrosoftAppId: '',
    // botbuilder asserts an app id for SingleTenant (bot/config.ts's default) even when auth is off.
    MicrosoftAppType: 'MultiTenant',
    ACCESS_GROUP_ID: DEMO_TENANT.groups.access,
    FALLBACK_APPROVER_GROUP_ID: DEMO_TENANT.groups.fallbackApprovers,
    IT_SECURITY_GROUP_ID: DEMO_TENANT.groups.itSecurity,
    ADMIN_GROUP_ID: DEMO_TENANT.groups.admins,
    AUDITOR_GROUP_ID: DEMO_TENANT.groups.auditors,
    TEAMS_APP_CATALOG_ID: DEMO_TENANT.teamsAppCatalogId,
    IT_TEAM_ID: playground.team.id,
    IT_CHANNEL_ID: itChannel?.id ?? '',
  };
  if (options.mongoUri) env.MONGODB_URI = options.mongoUri;
  if (options.mongoDb) env.MONGODB_DB = options.mongoDb;
  if (/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(options.graphBaseUrl)) {
    // The tab signs in against the simulated tenant's Entra (graphsim/entraSimulator.ts), which also mints
    // tokens for the demo users in the local Teams host page.
    Object.assign(env, {
      TAB_SSO_ISSUER: `${options.graphBaseUrl.replace(/\/$/, '')}/${DEMO_TENANT.tenantId}/v2.0`,
      TAB_SSO_AUDIENCE: demoTabAudience(playground),
      TAB_SSO_TENANT_ID: DEMO_TENANT.tenantId,
      TAB_DEV_SIGN_IN_URL: options.graphBaseUrl,
    });
  }
  return env;
}
