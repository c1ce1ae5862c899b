/**
 * The consent commands' use of the operator door (scripts/lib/operator.ts): the same settings, database and
 * operator resolution as the audit tools (locally `--as`; in production the account signed in with `az login`),
 * with the consent ledger's indexes in place.
 */
import type { Db } from 'mongodb';
import type { AppConfig } from '../../bot/config';
import { ensureConsentLedgerIndexes } from '../../services/consent/consentLedgerRepository';
import type { Operator } from '../../services/consent/operatorAuditLog';
import { openOperatorContext } from './operator';

/** A usage or input problem: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What a consent command works with. */
export interface OperatorContext {
  operator: Operator;
  db: Db;
  config: AppConfig;
  close(): Promise<void>;
}

/** Connects and resolves the operator. */
export async function operatorContext(as: string | undefined): Promise<OperatorContext> {
  const ctx = await openOperatorContext(as);
  try {
    await ensureConsentLedgerIndexes(ctx.db);
    return { operator: { aadObjectId: ctx.actor.aadObjectId, displayName: ctx.actor.displayName, roles: ctx.actor.roles }, db: ctx.db, config: ctx.config, close: ctx.close };
  } catch (e) {
    await ctx.close();
    throw e;
  }
}

/** Runs a command's main, printing refusals plainly (exit 2 for usage and operator problems, 3 for a refused role, 1 otherwise). */
export function runCommand(main: () => Promise<void>): void {
  main().catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(['UsageError', 'NoticePublicationError', 'OperatorError', 'CampaignTermsError'].includes(e.name) ? 2 : e.name === 'OperatorNotAuthorizedError' ? 3 : 1);
  });
}
