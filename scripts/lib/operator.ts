/**
 * The command-line door for auditors and administrators: reads the same settings as the bot (environment and
 * `.env`; the running dev stack's database and the demo tenant when nothing else is set), connects, and
 * resolves the operator named with `--as` (or OPERATOR_ID) to an actor whose roles come from Entra groups.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AzureCliCredential } from '@azure/identity';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig, type AppConfig } from '../../bot/config';
import { createLogger } from '../../bot/logger';
import { startGraphSimulator } from '../../graphsim/graphSimulator';
import { loadTenantFixture } from '../../graphsim/tenantFixture';
import { AccessLog } from '../../services/governance/accessLog';
import { createGraphServices } from '../../services/graph/graphServices';
import type { GraphServices } from '../../services/graph/graphTypes';
import { RoleResolver } from '../../services/onboarding/roleResolver';
import { AuditRepository } from '../../services/storage/auditRepository';
import { ensureIndexes } from '../../services/storage/mongoConnection';
import type { Actor } from '../../services/workflow/transition';
import { DEMO_TENANT_PATH, REPO_ROOT, demoBotEnv } from './demoEnvironment';
import { DEV_STACK_FILE, type DevStack } from './devStackFile';
import { loadDotEnv } from './dotenv';

/** The operator is missing or unknown to the directory. */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
}

/** What a command-line tool works with. */
export interface OperatorContext {
  config: AppConfig;
  db: Db;
  graph: GraphServices;
  actor: Extract<Actor, { kind: 'user' }>;
  audit: AuditRepository;
  accessLog: AccessLog;
  close(): Promise<void>;
}

/** The Entra object id of the account signed in to the Azure CLI (`az login`), from its Graph token. */
async function azureCliOperator(): Promise<string> {
  const token = await new AzureCliCredential().getToken('https://graph.microsoft.com/.default');
  const oid = (JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { oid?: string }).oid;
  if (!oid) throw new OperatorError('The Azure CLI token names no user; sign in with `az login` as yourself');
  return oid;
}

/**
 * Who is operating. In production the operator is the person signed in to the Azure CLI, and `--as` is refused
 * (a named operator would be an unverified claim); locally `--as` (or OPERATOR_ID) names them.
 */
export async function operatorId(config: AppConfig, named: string | undefined, signedIn: () => Promise<string> = azureCliOperator): Promise<string> {
  if (config.env === 'production') {
    if (named) throw new OperatorError('--as and OPERATOR_ID are for local use; in production the operator is the account signed in with `az login`');
    return signedIn();
  }
  if (!named) throw new OperatorError('Name the operator: --as <Entra object id or user principal name> (or OPERATOR_ID)');
  return named;
}

/** Opens the context for `--as <id or UPN>` (locally) or the signed-in Azure CLI account (production). */
export async function openOperatorContext(as: string | undefined, env: NodeJS.ProcessEnv = process.env, signedIn?: () => Promise<string>): Promise<OperatorContext> {
  const stops: (() => Promise<void>)[] = [];
  try {
    loadDotEnv(path.join(REPO_ROOT, '.env'), env);
    if (!env.ACCESS_GROUP_ID && !env.MONGODB_URI && existsSync(DEV_STACK_FILE)) {
      // The local demo: the dev stack's database and the demo tenant, served by an in-process simulator.
      const stack = JSON.parse(readFileSync(DEV_STACK_FILE, 'utf8')) as DevStack;
      const sim = await startGraphSimulator({ port: 0, tenant: loadTenantFixture(DEMO_TENANT_PATH) });
      stops.push(() => sim.close());
      for (const [k, v] of Object.entries(demoBotEnv({ port: 0, graphBaseUrl: sim.url, mongoUri: stack.mongoUri, mongoDb: stack.mongoDb }))) env[k] ??= v;
    }
    const config = loadConfig(env);
    if (!config.mongo.uri) throw new OperatorError('MONGODB_URI is not set (or start `npm run dev` for the local demo database)');
    const client = await MongoClient.connect(config.mongo.uri, { ignoreUndefined: true, serverSelectionTimeoutMS: config.mongo.serverSelectionTimeoutMs });
    stops.push(() => client.close());
    const db = client.db(config.mongo.dbName);
    await ensureIndexes(db);
    const logger = createLogger(env.LOG_LEVEL ?? 'warn', process.stderr);
    const graph = createGraphServices({
      baseUrl: config.graph.baseUrl,
      tenantId: config.graph.tenantId,
      clientId: config.graph.clientId,
      clientSecret: config.graph.clientSecret,
      logger,
      retry: { timeoutMs: config.graph.timeoutMs, callBudgetMs: config.graph.callBudgetMs },
    });
    const who = await operatorId(config, as ?? env.OPERATOR_ID, signedIn);
    const person = await graph.directory.getUser(who);
    if (!person) throw new OperatorError(`${who} is not in the directory`);
    const roles = await new RoleResolver(graph.directory, { itSecurity: config.groups.itSecurity, admins: config.groups.admins, auditors: config.groups.auditors }).rolesOf(person.id);
    const actor = { kind: 'user', aadObjectId: person.id, displayName: person.displayName, roles } as const;
    const close = async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    };
    return { config, db, graph, actor, audit: new AuditRepository(db, logger), accessLog: new AccessLog(db), close };
  } catch (e) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw e;
  }
}

/** Runs a tool's main, printing a named error as one line and setting the exit code. */
export function runTool(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      process.exit(2);
    },
  );
}
