/**
 * The command-line door for operators: settings from the environment (and `.env`), the database (MONGODB_URI, or
 * the running `npm run dev` stack's), Microsoft Graph, and the operator resolved once from `--as <UPN or object
 * id>` with their roles from Entra groups, exactly as the bot resolves a Teams user.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../bot/config';
import { createLogger } from '../../bot/logger';
import { ensureConsentLedgerIndexes } from '../../services/consent/consentLedgerRepository';
import type { Operator } from '../../services/consent/operatorAuditLog';
import { createGraphServices } from '../../services/graph/graphServices';
import { RoleResolver } from '../../services/onboarding/roleResolver';
import { connectMongo, type MongoHandle } from '../../services/storage/mongoConnection';
import { REPO_ROOT } from './demoEnvironment';
import { DEV_STACK_FILE, type DevStack } from './devStackFile';
import { loadDotEnv } from './dotenv';

/** A usage or input problem: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What an operator command works with. */
export interface OperatorContext {
  operator: Operator;
  mongo: MongoHandle;
  close(): Promise<void>;
}

/** Connects and resolves the operator named by `--as`. */
export async function operatorContext(as: string | undefined): Promise<OperatorContext> {
  if (!as) throw new UsageError('Name yourself with --as <your user principal name or Entra object id>.');
  loadDotEnv(path.join(REPO_ROOT, '.env'));
  const config = loadConfig(process.env);
  const logger = createLogger(process.env.LOG_LEVEL === 'debug' ? 'debug' : 'warn');
  let uri = config.mongo.uri;
  let dbName = config.mongo.dbName;
  if (!uri && existsSync(DEV_STACK_FILE)) {
    const stack = JSON.parse(readFileSync(DEV_STACK_FILE, 'utf8')) as DevStack;
    uri = stack.mongoUri;
    dbName = stack.mongoDb;
  }
  if (!uri) throw new UsageError('Set MONGODB_URI, or start `npm run dev` so its database can be used.');
  const mongo = await connectMongo(uri, dbName, logger, config.mongo);
  try {
    await ensureConsentLedgerIndexes(mongo.db);
    const graph = createGraphServices({
      baseUrl: config.graph.baseUrl,
      tenantId: config.graph.tenantId,
      clientId: config.graph.clientId,
      clientSecret: config.graph.clientSecret,
      logger,
      retry: { timeoutMs: config.graph.timeoutMs, callBudgetMs: config.graph.callBudgetMs },
    });
    const user = await graph.directory.getUser(as);
    if (!user) throw new UsageError(`No one called ${as} was found in the directory.`);
    const roles = new RoleResolver(graph.directory, { itSecurity: config.groups.itSecurity, admins: config.groups.admins, auditors: config.groups.auditors });
    const operator: Operator = { aadObjectId: user.id, displayName: user.displayName, roles: await roles.rolesOf(user.id) };
    return { operator, mongo, close: () => mongo.close() };
  } catch (e) {
    await mongo.close();
    throw e;
  }
}

/** Runs a command's main, printing refusals plainly (exit 2 for usage, 3 for a refused role, 1 otherwise). */
export function runCommand(main: () => Promise<void>): void {
  main().catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(e.name === 'UsageError' || e.name === 'NoticePublicationError' ? 2 : e.name === 'OperatorNotAuthorizedError' ? 3 : 1);
  });
}
