/**
 * Withdrawing consent for a device (privacy SOP §1; the consent text promises it): the withdrawal is recorded in
 * the person's ledger first, so the consent is "withdrawn" whatever happens next; then what follows from it runs
 * through the request it came with: an open request is cancelled by its requester through the workflow (audited,
 * cards refreshed, approvers told), and a granted request's access-group membership is removed and IT Security is
 * told in its channel so it can retire the device.
 *
 * A granted device is an enrolled device: the withdrawal is its `consentWithdrawn` event, whose effects (leave the
 * access group, tell IT Security in its channel) run through the shared outbox, audited in the device's own chain.
 * A `consentWithdrawal` job is announced before the ledger write, so if the instance stops between the ledger and
 * the device, whichever instance runs the job applies the event (and cancels an open request) from the ledger.
 * A grant older than enrolled devices (no device record) still has its membership removed here, as before.
 */
import type { Logger } from '../logging/logger';
import type { GroupService } from '../graph/graphTypes';
import type { JobQueue } from '../jobs/jobQueue';
import type { Lease } from '../jobs/leases';
import type { OnboardingRequest, Platform, Ownership } from '../workflow/model';
import type { Actor } from '../workflow/transition';
import { LedgerTransitionError, type LedgerEntry } from './consentLedger';
import { ledgerStreamId, type ConsentLedgerRepository } from './consentLedgerRepository';

/** A consent the person can withdraw. */
export interface WithdrawableConsent {
  requestId: string;
  reference?: string;
  platform: Platform;
  ownership: Ownership;
}

/** What the withdrawal did. */
export interface WithdrawalOutcome {
  entry: LedgerEntry;
  request?: OnboardingRequest;
  requestCancelled: boolean;
  accessRemoved: boolean;
  /** Access removal was committed as the enrolled device's effect and runs in the background (moments later). */
  accessRemovalUnderway?: boolean;
  itTold: boolean;
}

/** Access is being switched on right now; the withdrawal waits until that finished. */
export class WithdrawalBusyError extends Error {
  override readonly name = 'WithdrawalBusyError';
  constructor(readonly requestId: string) {
    super(`Request ${requestId} is granting access right now`);
  }
}

/** The parts of the onboarding use cases a withdrawal uses. */
export interface WithdrawalRequests {
  get(requestId: string): Promise<OnboardingRequest>;
  apply(requestId: string, event: { type: 'cancel' }, actor: Actor): Promise<OnboardingRequest>;
}

/** The enrolled devices a withdrawal acts on (the device module). */
export interface WithdrawalDevices {
  /** The watched device that the request brought in, if any. */
  deviceFor(aadObjectId: string, requestId: string): Promise<{ _id: string; state: string } | null>;
  /** Applies the device's consentWithdrawn event (idempotent). */
  withdraw(deviceId: string, actor: { aadObjectId: string; displayName: string }): Promise<void>;
}

/** How long after a withdrawal the safety-net job looks whether everything that follows was done. */
const FOLLOW_UP_MS = 60_000;

/** States in which the requester can still cancel (OP-PROC-002 after consent, before access). */
const CANCELLABLE = new Set<OnboardingRequest['state']>(['awaitingEnrollment', 'nonCompliant', 'complianceUndetermined', 'pendingItReview']);

/** Records withdrawals and carries out what follows. */
export class ConsentWithdrawal {
  constructor(
    private readonly ledger: ConsentLedgerRepository,
    private readonly requests: WithdrawalRequests,
    private readonly groups: GroupService,
    /** Tells IT Security in its channel; resolves false when no channel is configured. */
    private readonly tellIt: (request: OnboardingRequest, accessRemoved: boolean) => Promise<boolean>,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
    private readonly devices?: WithdrawalDevices,
    private readonly jobs?: JobQueue,
  ) {}

  /** The person's most recently changed consent that stands, if any. */
  async withdrawable(aadObjectId: string): Promise<WithdrawableConsent | null> {
    const head = (await this.ledger.headsOf(aadObjectId)).find((h) => h.state.status === 'consented');
    if (!head) return null;
    const request = await this.requests.get(head.device.requestId).catch(() => undefined);
    return { requestId: head.device.requestId, reference: request?.reference, platform: head.device.platform, ownership: head.device.ownership };
  }

  /** Withdraws the acting person's consent for the device of `requestId`; LedgerTransitionError if none stands. */
  async withdraw(actor: Extract<Actor, { kind: 'user' }>, requestId: string): Promise<WithdrawalOutcome> {
    const request = await this.requests.get(requestId).catch(() => undefined);
    if (request?.state === 'granting') throw new WithdrawalBusyError(requestId);
    const head = await this.ledger.head(ledgerStreamId(actor.aadObjectId, { requestId }));
    if (!head || head.subjectId !== actor.aadObjectId) throw new LedgerTransitionError('none', 'withdrawn');
    if (head.state.status !== 'consented') throw new LedgerTransitionError(head.state.status, 'withdrawn');
    // Announced before the ledger write: a stop between the ledger and the device is finished by this job.
    await this.jobs?.announce('consentWithdrawal', head._id, new Date(this.clock().getTime() + FOLLOW_UP_MS));
    const { entry } = await this.ledger.append({
      kind: 'withdrawn',
      at: this.clock().toISOString(),
      subject: { aadObjectId: actor.aadObjectId, displayName: actor.displayName },
      device: head.device,
      noticeVersion: head.state.noticeVersion ?? '',
      textHash: head.state.textHash ?? '',
    });
    this.logger.info({ requestId, entryId: entry._id, requestState: request?.state ?? null }, 'consent withdrawn');
    const outcome: WithdrawalOutcome = { entry, request, requestCancelled: false, accessRemoved: false, itTold: false };
    if (!request) return outcome;
    if (CANCELLABLE.has(request.state)) {
      outcome.request = await this.requests.apply(requestId, { type: 'cancel' }, actor);
      outcome.requestCancelled = true;
    }
    const device = request.state === 'granted' ? await this.devices?.deviceFor(actor.aadObjectId, requestId) : null;
    if (device && device.state !== 'retired') {
      // The device's own event: access removal and IT's notice are its outbox effects.
      await this.devices!.withdraw(device._id, actor);
      outcome.accessRemoved = true;
      outcome.accessRemovalUnderway = true;
      outcome.itTold = true;
      this.logger.info({ requestId, deviceId: device._id }, 'consent withdrawal applied to the enrolled device');
      return outcome;
    }
    if (request.state === 'granted' && request.access) {
      const receipt = await this.groups.removeMember(request.access.groupId, request.access.memberId);
      outcome.accessRemoved = true;
      this.logger.info({ requestId, groupId: request.access.groupId, graphRequestId: receipt?.requestId ?? null, clientRequestId: receipt?.clientRequestId }, 'access removed after consent withdrawal');
    }
    if (outcome.requestCancelled || outcome.accessRemoved || request.managedDeviceId) outcome.itTold = await this.tellIt(request, outcome.accessRemoved);
    return outcome;
  }

  /**
   * The safety net of a withdrawal (the `consentWithdrawal` job, subject the ledger id): when the ledger says
   * withdrawn, the request is cancelled if it still can be and the enrolled device gets its consentWithdrawn event;
   * both are no-ops when the withdrawal already finished them.
   */
  async followUp(lease: Lease, streamId: string): Promise<void> {
    const seenRev = await this.jobs?.revision(lease);
    try {
      const head = await this.ledger.head(streamId);
      if (head?.state.status !== 'withdrawn') return;
      const requestId = head.device.requestId;
      const request = await this.requests.get(requestId).catch(() => undefined);
      const person = { aadObjectId: head.subjectId, displayName: request?.requester.displayName ?? 'Employee' };
      if (request && CANCELLABLE.has(request.state)) await this.requests.apply(requestId, { type: 'cancel' }, { kind: 'user', ...person, roles: [] });
      const device = await this.devices?.deviceFor(head.subjectId, requestId);
      if (device && device.state !== 'consentWithdrawn' && device.state !== 'retired') {
        await this.devices!.withdraw(device._id, person);
        this.logger.warn({ requestId, deviceId: device._id }, 'consent withdrawal finished by its follow-up job');
      }
    } finally {
      if (this.jobs && !lease.lost) await this.jobs.finish(lease, seenRev, null);
    }
  }
}
