/**
 * What the breach and third-party register commands work with at the operator door: the breach use cases and the
 * register, writing to the same database and shared outbox as the bot (whose background worker delivers what
 * they stage), with the operator resolved as the audit tools resolve it.
 */
import { createLogger } from '../../bot/logger';
import { BreachRepository } from '../../services/breach/breachRepository';
import { BreachService } from '../../services/breach/breachService';
import { JobQueue } from '../../services/jobs/jobQueue';
import { newInstanceId } from '../../services/jobs/leases';
import { Outbox } from '../../services/outbox/outbox';
import { AggregateChain } from '../../services/storage/aggregateChain';
import { ThirdPartyRegister } from '../../services/thirdParties/thirdPartyRegister';
import { openOperatorContext, type OperatorContext } from './operator';

/** The operator context with the breach use cases and the register. */
export interface GovernanceContext extends OperatorContext {
  breaches: BreachService;
  breachRepo: BreachRepository;
  register: ThirdPartyRegister;
}

/** Connects, resolves the operator and builds the use cases. */
export async function governanceContext(as: string | undefined): Promise<GovernanceContext> {
  const ctx = await openOperatorContext(as);
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
  const jobs = new JobQueue(ctx.db, { owner: newInstanceId('cli'), leaseMs: ctx.config.leases.ttlSeconds * 1000 });
  const outbox = new Outbox(ctx.db, jobs, ctx.config.outbox, logger);
  const chain = new AggregateChain(ctx.db, ctx.audit);
  const breachRepo = new BreachRepository(ctx.db);
  await breachRepo.ensureIndexes();
  const breaches = new BreachService(ctx.db, breachRepo, chain, outbox, jobs, ctx.graph.directory, { ...ctx.config.breach, policy: ctx.config.breach }, logger);
  const register = new ThirdPartyRegister(ctx.db, chain, outbox, jobs, ctx.graph.directory, ctx.config.thirdParties, logger);
  await register.ensureIndexes();
  return { ...ctx, breaches, breachRepo, register };
}
