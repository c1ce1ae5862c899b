/**
 * The consent ledger of one person for one device, as pure data and functions: what each entry means for the
 * person's consent (a state function tested as a table) and the hash chain that makes an altered, inserted,
 * reordered or removed entry visible. Nothing here touches the database.
 */
import { hashAuditEntry } from '../storage/auditRepository';
import type { AuditEntry, Ownership, Platform } from '../workflow/model';

/** What a ledger entry records. */
export type LedgerEntryKind = 'consented' | 'declined' | 'withdrawn' | 'reconsented' | 'acknowledged';

/** Every entry kind, for tables and validation. */
export const LEDGER_ENTRY_KINDS: readonly LedgerEntryKind[] = ['consented', 'declined', 'withdrawn', 'reconsented', 'acknowledged'];

/** Where a person's consent for a device stands. */
export type ConsentStatus = 'none' | 'consented' | 'declined' | 'withdrawn';

/** Every status, for tables. */
export const CONSENT_STATUSES: readonly ConsentStatus[] = ['none', 'consented', 'declined', 'withdrawn'];

/** The device a ledger is about; the request that brought it in names it until Intune does. */
export interface LedgerDevice {
  requestId: string;
  platform: Platform;
  ownership: Ownership;
  managedDeviceId?: string;
}

/** One append-only, hash-chained entry of a consent ledger. */
export interface LedgerEntry {
  _id: string;
  /** `<person's Entra object id>:<device key>`: one ledger per person and device. */
  streamId: string;
  seq: number;
  kind: LedgerEntryKind;
  at: string;
  subject: { aadObjectId: string; displayName: string };
  device: LedgerDevice;
  /** The published notice version and the SHA-256 of its exact text this entry refers to. */
  noticeVersion: string;
  textHash: string;
  /** Activity id of the card the answer came from, when there was one. */
  cardActivityId?: string;
  prevHash: string;
  hash: string;
}

/** The consent state the ledger's entries add up to. */
export interface ConsentState {
  status: ConsentStatus;
  /** The notice version the person last consented to or acknowledged. */
  noticeVersion?: string;
  textHash?: string;
  /** When the status last changed. */
  since?: string;
  seq: number;
}

/** The state of a ledger with no entries. */
export const EMPTY_CONSENT: ConsentState = { status: 'none', seq: 0 };

/** An entry that does not follow from the ledger's state (a second answer, a withdrawal of nothing). */
export class LedgerTransitionError extends Error {
  override readonly name = 'LedgerTransitionError';
  constructor(
    readonly status: ConsentStatus,
    readonly kind: LedgerEntryKind,
  ) {
    super(`A "${kind}" entry cannot follow consent status "${status}"`);
  }
}

/** What an entry needs to be applied to a state. */
export type LedgerStep = Pick<LedgerEntry, 'kind' | 'at' | 'noticeVersion' | 'textHash'>;

/**
 * The next state after one entry, or LedgerTransitionError:
 * - an answer (consented, declined) only to a ledger with none;
 * - a withdrawal only of a standing consent;
 * - a re-consent to a newer text, from a standing or a withdrawn consent;
 * - an acknowledgement of a minor change only while consent stands, and only of a different text.
 */
export function nextConsentState(state: ConsentState, step: LedgerStep): ConsentState {
  const to = (status: ConsentStatus, since = step.at): ConsentState => ({ status, noticeVersion: step.noticeVersion, textHash: step.textHash, since, seq: state.seq + 1 });
  switch (step.kind) {
    case 'consented':
    case 'declined':
      if (state.status !== 'none') break;
      return to(step.kind);
    case 'withdrawn':
      if (state.status !== 'consented') break;
      return { ...state, status: 'withdrawn', since: step.at, seq: state.seq + 1 };
    case 'reconsented':
      if (state.status === 'withdrawn' || (state.status === 'consented' && state.textHash !== step.textHash)) return to('consented');
      break;
    case 'acknowledged':
      if (state.status === 'consented' && state.textHash !== step.textHash) return to('consented', state.since);
      break;
    default: {
      const never: never = step.kind;
      throw new LedgerTransitionError(state.status, never);
    }
  }
  throw new LedgerTransitionError(state.status, step.kind);
}

/** The state of a ledger, entry by entry from the first. */
export function consentStateOf(entries: readonly LedgerStep[]): ConsentState {
  return entries.reduce(nextConsentState, EMPTY_CONSENT);
}

/**
 * Hash of an entry chained to its predecessor: the audit trail's own hash (sha256 of the previous hash and the
 * entry's canonical JSON), so one verifier and one canonical form serve both.
 */
export function hashLedgerEntry(entry: Omit<LedgerEntry, 'hash'>): string {
  return hashAuditEntry(entry as unknown as Omit<AuditEntry, 'hash'>);
}

/** The last entry of a ledger as stored beside it, so a removed tail is detected. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** Why a ledger failed verification, at which seq. */
export type ChainBreak = { seq: number; reason: 'sequence' | 'link' | 'hash' | 'head' | 'stream' };

/**
 * Recomputes a ledger's chain against its stored head; returns the first break or null. Entries are taken in the
 * order given (stored order by seq): a gap or repeat in seq, a prevHash that is not the previous hash, a hash that
 * does not match the entry, an entry of another stream, or a last entry that is not the head all break it.
 */
export function verifyLedger(streamId: string, entries: readonly LedgerEntry[], head: ChainHead | null): ChainBreak | null {
  let prev = '';
  let seq = 0;
  for (const e of entries) {
    seq += 1;
    const { hash, ...rest } = e;
    if (e.streamId !== streamId) return { seq, reason: 'stream' };
    if (e.seq !== seq) return { seq, reason: 'sequence' };
    if (e.prevHash !== prev) return { seq, reason: 'link' };
    if (hashLedgerEntry(rest) !== hash) return { seq, reason: 'hash' };
    prev = hash;
  }
  const headSeq = head?.seq ?? 0;
  const headHash = head?.hash ?? '';
  if (headSeq !== seq || headHash !== prev) return { seq: Math.max(seq, headSeq), reason: 'head' };
  return null;
}
