/**
 * Withdrawing consent for a device (privacy SOP §1; the consent text promises it): the withdrawal is recorded in
 * the person's ledger first, so the consent is "withdrawn" whatever happens next; then what follows from it runs
 * through the request it came with: an open request is cancelled by its requester through the workflow (audited,
 * cards refreshed, approvers told), and a granted request's access-group membership is removed and IT Security is
 * told in its channel so it can retire the device.
 *
 * The granted case belongs to the enrolled-device aggregate once it exists: there the removal becomes an outbox
 * effect of the device's own state change (crash-safe, hash-chained with the device's audit head). Until then it
 * runs here after the ledger write; both steps are idempotent, so a repeated withdrawal request repeats them safely.
 */
import type { Logger } from '../../bot/logger';
import type { GroupService } from '../graph/graphTypes';
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
    if (request.state === 'granted' && request.access) {
      await this.groups.removeMember(request.access.groupId, request.access.memberId);
      outcome.accessRemoved = true;
      this.logger.info({ requestId, groupId: request.access.groupId }, 'access removed after consent withdrawal');
    }
    if (outcome.requestCancelled || outcome.accessRemoved || request.managedDeviceId) outcome.itTold = await this.tellIt(request, outcome.accessRemoved);
    return outcome;
  }
}
