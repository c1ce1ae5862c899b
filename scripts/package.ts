/**
 * `npm run package`: fills ids from configuration into manifest/manifest.json (the Microsoft 365 Agents Toolkit's
 * `${{NAME}}` placeholders, so the Toolkit's teamsApp/zipAppPackage and this script read one manifest), validates the result offline
 * against the Teams schema bundled in @microsoft/app-manifest, checks the icons, and writes build/appPackage.zip.
 * `--dev` uses the Agents Playground's local ids so the package can be built without a registration.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { loadDotEnv } from './lib/dotenv';

const ROOT = path.resolve(__dirname, '..');
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SCHEMA_URL = /^https:\/\/developer\.microsoft\.com\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?json-schemas\/teams\/(v\d+\.\d+|vDevPreview)\/MicrosoftTeams\.schema\.json$/i;
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** The Agents Playground's mock bot id, used for --dev packages. */
const PLAYGROUND_BOT_ID = '00000000-0000-0000-0000-000000000011';
/** This app's stable Teams app id unless TEAMS_APP_ID says otherwise (keep it: Teams tracks the app by it). */
export const DEFAULT_TEAMS_APP_ID = '5d3f0b8e-6a1c-4e0b-9f7a-2c4d8e1b7a90';

/** The package could not be built; every problem is listed. */
export class AppPackageError extends Error {
  constructor(readonly problems: string[]) {
    super(`App package is invalid:\n- ${problems.join('\n- ')}`);
    this.name = 'AppPackageError';
  }
}

/** Where the inputs are and where the zip goes. */
export interface PackageOptions {
  dev?: boolean;
  manifestDir?: string;
  outFile?: string;
}

/** Reads and checks the settings the manifest needs. */
export function packageSettings(env: NodeJS.ProcessEnv, dev: boolean): Record<string, string> {
  const problems: string[] = [];
  const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
  // BOT_ID is the Agents Toolkit's name for the bot's app id (env/.env.<environment>).
  const appId = env.MicrosoftAppId || env.BOT_ID || (dev ? PLAYGROUND_BOT_ID : '');
  const s: Record<string, string> = {
    BOT_ID: appId,
    TEAMS_APP_ID: env.TEAMS_APP_ID || DEFAULT_TEAMS_APP_ID,
    GRAPH_CLIENT_ID: env.GRAPH_CLIENT_ID || appId,
    BOT_DOMAIN: env.BOT_DOMAIN || (dev ? 'localhost' : ''),
    APP_VERSION: env.APP_VERSION || version,
    DEVELOPER_NAME: env.DEVELOPER_NAME || 'Contoso IT Security',
    DEVELOPER_WEBSITE_URL: env.DEVELOPER_WEBSITE_URL || 'https://www.contoso.com/it',
    PRIVACY_URL: env.PRIVACY_URL || 'https://www.contoso.com/privacy',
    TERMS_URL: env.TERMS_URL || 'https://www.contoso.com/terms',
    // The Toolkit's convention: " (local)", " (dev)"... so a tenant can tell the environments apart; empty here.
    APP_NAME_SUFFIX: env.APP_NAME_SUFFIX ?? '',
  };
  if (!appId) problems.push('MicrosoftAppId is required (or pass --dev for a local package)');
  for (const [name, key] of [['MicrosoftAppId', 'BOT_ID'], ['TEAMS_APP_ID', 'TEAMS_APP_ID'], ['GRAPH_CLIENT_ID', 'GRAPH_CLIENT_ID']] as const) {
    if (s[key] && !GUID.test(s[key])) problems.push(`${name} must be a GUID`);
  }
  if (!s.BOT_DOMAIN) problems.push('BOT_DOMAIN is required: the host name the bot is served from, e.g. bot.contoso.com');
  else if (!HOST.test(s.BOT_DOMAIN)) problems.push('BOT_DOMAIN must be a host name without scheme or path');
  if (!/^\d+\.\d+\.\d+$/.test(s.APP_VERSION)) problems.push('APP_VERSION must look like 1.2.3');
  for (const key of ['DEVELOPER_WEBSITE_URL', 'PRIVACY_URL', 'TERMS_URL']) if (!/^https:\/\//.test(s[key])) problems.push(`${key} must be an https URL`);
  if (problems.length) throw new AppPackageError(problems);
  return s;
}

/** Replaces every `${{NAME}}` placeholder (the Toolkit's syntax); a name without a value is left for the check below to report. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{\{ *([A-Za-z_][A-Za-z0-9_]*) *\}\}/g, (whole, name: string) => (name in values ? JSON.stringify(values[name]).slice(1, -1) : whole));
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Icon rules from the Teams manifest reference: color 192×192, outline 32×32 with transparency.
 * https://learn.microsoft.com/en-us/microsoftteams/platform/concepts/build-and-test/apps-package#app-icons
 */
export function checkIcon(file: string, size: number, mustBeTransparent: boolean): string[] {
  const name = path.basename(file);
  if (!existsSync(file)) return [`${name} is missing`];
  const bytes = readFileSync(file);
  // Teams rejects an icon that is another format renamed to .png, so the signature is checked before decoding.
  if (!bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return [`${name} is not a PNG (wrong file signature)`];
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    return [`${name} is not a readable PNG: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  if (png.width !== size || png.height !== size) problems.push(`${name} must be ${size}×${size} pixels (is ${png.width}×${png.height})`);
  if (mustBeTransparent) {
    let transparent = 0;
    for (let i = 3; i < png.data.length; i += 4) if (png.data[i] === 0) transparent++;
    if (transparent === 0) problems.push(`${name} must have a transparent background`);
  }
  return problems;
}

/**
 * The schema bundled in @microsoft/app-manifest for the manifest's `$schema`. The library would fetch any
 * schema it does not bundle; packaging must work offline, so a missing one is a problem instead.
 */
export function bundledTeamsSchema(schemaUrl: unknown, manifestVersion: unknown): { schema?: object; problems: string[] } {
  const m = typeof schemaUrl === 'string' ? SCHEMA_URL.exec(schemaUrl) : null;
  if (!m) return { problems: [`$schema must be https://developer.microsoft.com/json-schemas/teams/vX.Y/MicrosoftTeams.schema.json (is ${String(schemaUrl)})`] };
  const version = m[1];
  // manifestVersion "devPreview" goes with the folder vDevPreview.
  const problems = version.toLowerCase() === `v${String(manifestVersion)}`.toLowerCase() ? [] : [`manifestVersion ${String(manifestVersion)} does not match $schema ${version}`];
  const file = path.join(path.dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams', version, 'MicrosoftTeams.schema.json');
  if (!existsSync(file)) return { problems: [...problems, `@microsoft/app-manifest bundles no schema ${version}, and packaging does not download one`] };
  // Some published schemas contain "\a" and "\v" escapes, which JSON does not allow; the library rewrites them
  // the same way before parsing.
  const raw = readFileSync(file, 'utf8').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b');
  return { schema: JSON.parse(raw) as object, problems };
}

/** Builds and validates the package; returns the zip path. */
export async function buildAppPackage(env: NodeJS.ProcessEnv, options: PackageOptions = {}): Promise<string> {
  const dir = options.manifestDir ?? path.join(ROOT, 'manifest');
  const outFile = options.outFile ?? path.join(ROOT, 'build', 'appPackage.zip');
  const settings = packageSettings(env, Boolean(options.dev));
  const text = fillTemplate(readFileSync(path.join(dir, 'manifest.json'), 'utf8'), settings);
  const problems: string[] = [];
  const left = text.match(/\$\{\{[^}]*\}\}/g);
  if (left) problems.push(`placeholders without a value: ${[...new Set(left)].join(', ')}`);
  let manifest: { $schema?: unknown; manifestVersion?: unknown; icons: { color: string; outline: string } };
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    throw new AppPackageError([...problems, `manifest.json is not valid JSON after filling in the settings: ${(e as Error).message}`]);
  }
  const { schema, problems: schemaProblems } = bundledTeamsSchema(manifest.$schema, manifest.manifestVersion);
  problems.push(...schemaProblems);
  if (schema) {
    const { AppManifestUtils } = await import('@microsoft/app-manifest');
    const schemaErrors = await AppManifestUtils.validateAgainstSchema(manifest as never, schema as never);
    problems.push(...schemaErrors.map((e: string) => `schema: ${e}`));
  }
  if (manifest.icons?.color && manifest.icons?.outline) {
    problems.push(...checkIcon(path.join(dir, manifest.icons.color), 192, false), ...checkIcon(path.join(dir, manifest.icons.outline), 32, true));
  }
  if (problems.length) throw new AppPackageError(problems);

  const zip = new JSZip();
  zip.file('manifest.json', JSON.stringify(manifest, null, 2));
  zip.file(manifest.icons.color, readFileSync(path.join(dir, manifest.icons.color)));
  zip.file(manifest.icons.outline, readFileSync(path.join(dir, manifest.icons.outline)));
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return outFile;
}

/** `--env NAME`: the Agents Toolkit environment whose env/.env.NAME (and .user file) supplies the settings. */
function toolkitEnvironment(argv: string[]): string | undefined {
  const i = argv.indexOf('--env');
  return i >= 0 ? argv[i + 1] : undefined;
}

if (require.main === module) {
  const toolkitEnv = toolkitEnvironment(process.argv);
  if (toolkitEnv) {
    if (!/^[a-z0-9-]+$/i.test(toolkitEnv) || !existsSync(path.join(ROOT, 'env', `.env.${toolkitEnv}`))) {
      console.error(`No Agents Toolkit environment env/.env.${toolkitEnv}`);
      process.exit(1);
    }
    loadDotEnv(path.join(ROOT, 'env', `.env.${toolkitEnv}.user`));
    loadDotEnv(path.join(ROOT, 'env', `.env.${toolkitEnv}`));
  }
  loadDotEnv(path.join(ROOT, '.env'));
  buildAppPackage(process.env, { dev: process.argv.includes('--dev') })
    .then((file) => console.log(`App package written to ${path.relative(process.cwd(), file)} (manifest validated offline against the bundled Teams schema, icons checked)`))
    .catch((e) => {
      console.error(e instanceof AppPackageError ? e.message : e);
      process.exit(1);
    });
}
