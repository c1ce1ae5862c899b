import type { Logger } from '../logging/logger';
import type { GraphServices, MailboxSettings } from '../graph/graphTypes';
import type { Lease } from '../jobs/leases';
import { JobQueue } from '../jobs/jobQueue';
import type { RequestRepository } from '../storage/requestRepository';
import { InvalidTransitionError } from '../workflow/errors';
import type { OnboardingRequest, PersonRef } from '../workflow/model';
import { approvalSchedule, dueApprovalTimer, type WorkflowEvent, type WorkflowPolicy } from '../workflow/transition';
import type { OnboardingService } from './onboardingService';
import { nextWorkingMoment, workingHoursFrom, type WorkingHours } from './workingHours';

/** The job kind of the approval step's timers (reminder, escalation, expiry), one job per pending request. */
export const APPROVAL_TIMER = 'approvalTimer' as const;

/** Options from configuration. */
export interface ApprovalTimerOptions {
  /** Working hours and time zone used when the approver's mailbox does not say. */
  defaultWorkingHours: WorkingHours;
  fallbackApproverGroupId?: string;
}

const SYSTEM = { kind: 'system' } as const;

/**
 * Runs a pending approval's timers when its job falls due: the request's own document says what is due
 * (dueApprovalTimer), this finds what the pure workflow cannot (the skip-level manager, the approver's working
 * hours) and applies the event. A reminder that falls outside the approver's working hours waits for them to
 * start. The job is then rescheduled for the next timer, or removed once the approval step is over.
 */
export class ApprovalTimers {
  constructor(
    private readonly requests: RequestRepository,
    private readonly service: OnboardingService,
    private readonly graph: GraphServices,
    private readonly jobs: JobQueue,
    private readonly options: ApprovalTimerOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private get policy(): WorkflowPolicy {
    return this.service.policy;
  }

  /** Makes sure the request's timer job fires no later than its next approval timer (before the write that sets it). */
  async announce(request: Pick<OnboardingRequest, '_id' | 'state' | 'createdAt' | 'updatedAt' | 'approverSource' | 'approval'>): Promise<void> {
    const { nextAt } = dueApprovalTimer(request as OnboardingRequest, request.updatedAt, this.policy);
    if (nextAt) await this.jobs.announce(APPROVAL_TIMER, request._id, new Date(nextAt));
  }

  /** Gives every request waiting for approval without a timer job (written by an earlier version) its job; once at start-up. */
  async adoptPending(): Promise<number> {
    const pending = await this.requests.listPendingApproval();
    if (!pending.length) return 0;
    const ids = pending.map((r) => JobQueue.id(APPROVAL_TIMER, r._id));
    const scheduled = new Set((await this.jobs.collection.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map((j) => j._id));
    let adopted = 0;
    for (const r of pending) {
      if (scheduled.has(JobQueue.id(APPROVAL_TIMER, r._id))) continue;
      await this.announce(r);
      adopted++;
    }
    if (adopted) this.logger.info({ adopted }, 'scheduled approval timers for requests found at start-up');
    return adopted;
  }

  /** Runs the claimed timer job of one request under its lease. */
  async runClaimed(requestId: string, lease: Lease): Promise<void> {
    const stop = this.jobs.leases.keepAlive(lease, (e) => this.logger.warn({ err: e, requestId }, 'lease renewal failed'));
    let seenRev: number | undefined;
    let next: Date | null = null;
    try {
      seenRev = await this.jobs.revision(lease);
      next = await this.fire(requestId);
    } catch (e) {
      next = new Date(this.clock().getTime() + 60_000);
      this.logger.warn({ err: e, requestId }, 'approval timer failed; will retry');
    } finally {
      stop();
      if (!lease.lost) await this.jobs.finish(lease, seenRev, next);
    }
  }

  /** Applies every approval timer due now; returns when the job should fire next (null: never). */
  async fire(requestId: string): Promise<Date | null> {
    for (let step = 0; step < 5; step++) {
      const request = await this.requests.get(requestId);
      if (!request) return null;
      const now = this.clock();
      const { due, nextAt } = dueApprovalTimer(request, now.toISOString(), this.policy);
      if (!due) return nextAt ? new Date(nextAt) : null;
      let event: WorkflowEvent;
      if (due === 'remind') {
        const at = await this.workingMomentFor(request.approvers, now);
        if (at > now) {
          // Not now: at the start of the approver's working day, or earlier if escalation or expiry comes first.
          const { escalateAt, expireAt } = approvalSchedule(request, this.policy);
          const first = Math.min(at.getTime(), Date.parse(expireAt), escalateAt ? Date.parse(escalateAt) : Infinity);
          return new Date(first);
        }
        event = { type: 'remindApprovers' };
      } else if (due === 'escalate') {
        event = { type: 'escalateApproval', ...(await this.escalationTarget(request)) };
      } else {
        event = { type: 'expireApproval' };
      }
      try {
        await this.service.apply(requestId, event, SYSTEM);
      } catch (e) {
        // Someone decided meanwhile: the next round finds nothing due.
        if (!(e instanceof InvalidTransitionError)) throw e;
      }
    }
    return this.clock();
  }

  /** When the approvers are at work: one approver's own hours where the mailbox gives them, else the default. */
  private async workingMomentFor(approvers: PersonRef[], now: Date): Promise<Date> {
    let settings: MailboxSettings | undefined;
    if (approvers.length === 1 && this.graph.directory.getMailboxSettings) {
      try {
        settings = await this.graph.directory.getMailboxSettings(approvers[0].aadObjectId);
      } catch (e) {
        this.logger.info({ err: e }, 'mailbox settings unavailable; using the default working hours');
      }
    }
    return nextWorkingMoment(now, workingHoursFrom(settings, this.options.defaultWorkingHours));
  }

  /** The manager of the (single) current approver, else the fallback approver group. */
  private async escalationTarget(request: OnboardingRequest): Promise<{ to: PersonRef[]; source: 'skipLevelManager' | 'fallbackGroup' }> {
    const person = (u: { id: string; displayName: string; userPrincipalName: string }): PersonRef => ({
      aadObjectId: u.id,
      displayName: u.displayName,
      userPrincipalName: u.userPrincipalName,
    });
    // A delegate stands in for the manager: one level up is the manager's manager, not the delegate's.
    const below = request.approval?.onBehalfOf ?? (request.approvers.length === 1 ? request.approvers[0] : undefined);
    if (below) {
      const above = await this.graph.directory.getManager(below.aadObjectId);
      if (above && above.id !== request.requester.aadObjectId) return { to: [person(above)], source: 'skipLevelManager' };
    }
    const group = this.options.fallbackApproverGroupId;
    const members = group ? await this.graph.directory.listGroupMembers(group) : [];
    return { to: members.slice(0, 50).map(person), source: 'fallbackGroup' };
  }
}
