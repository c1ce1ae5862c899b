/**
 * The consent use cases a person and an auditor reach (privacy SOP §1 "a record of consent, easily accessible",
 * §5 "access to information about what data is collected"): a person's consent history with the exact text of
 * each version, everything the product stores about them, and the auditors' export.
 */
import type { Db } from 'mongodb';
import { notices, type PublishedNotice } from '../content/notices/noticeRegistry';
import type { AuditRepository } from '../storage/auditRepository';
import type { ConsentRecord, ConsentRepository } from '../storage/consentRepository';
import { COLLECTIONS } from '../storage/mongoConnection';
import type { RequestRepository } from '../storage/requestRepository';
import type { AuditEntry, OnboardingRequest, Ownership, Platform } from '../workflow/model';
import type { ConsentStatus, LedgerEntry, LedgerEntryKind } from './consentLedger';
import type { ConsentLedgerRepository, LedgerQuery } from './consentLedgerRepository';

/** One line of a person's consent history. */
export interface ConsentHistoryEntry {
  id: string;
  kind: LedgerEntryKind;
  at: string;
  noticeVersion: string;
  textHash: string;
  /** Whether the hash is the fingerprint of a published notice (its exact text can be shown). */
  published: boolean;
}

/** A person's consent for one device, with its history. */
export interface DeviceConsentView {
  requestId: string;
  reference?: string;
  platform: Platform;
  ownership: Ownership;
  status: ConsentStatus;
  since?: string;
  noticeVersion?: string;
  entries: ConsentHistoryEntry[];
}

/** "My consents": every device's consent and the exact texts referred to. */
export interface ConsentHistoryView {
  devices: DeviceConsentView[];
  /** The published texts the history refers to, newest first, by SHA-256. */
  texts: PublishedNotice[];
}

/** Everything stored about a person, as the downloadable "my data" file. */
export interface PersonalDataExport {
  generatedAt: string;
  subject: { aadObjectId: string };
  requests: Omit<OnboardingRequest, 'outbox' | 'outboxAttempts' | 'outboxNotBefore' | 'openKey' | 'cards'>[];
  consentLedger: LedgerEntry[];
  consentAnswersBeforeLedger: ConsentRecord[];
  noticeTexts: { ownership: Ownership; version: string; sha256: string; publishedAt: string; text: string }[];
  auditEntries: AuditEntry[];
}

/** One row of the auditors' export. */
export interface ConsentExportRow {
  at: string;
  aadObjectId: string;
  displayName: string;
  requestId: string;
  platform: Platform;
  ownership: Ownership;
  kind: LedgerEntryKind;
  noticeVersion: string;
  textHash: string;
  entryId: string;
  seq: number;
  hash: string;
}

const MAX_REQUESTS = 200;

/** The consent read side and export. */
export class ConsentService {
  constructor(
    private readonly ledger: ConsentLedgerRepository,
    private readonly consents: ConsentRepository,
    private readonly requests: RequestRepository,
    private readonly audit: AuditRepository,
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** A person's consents per device, newest change first, with the exact texts by hash. */
  async history(aadObjectId: string): Promise<ConsentHistoryView> {
    const [heads, entries, answers, requests] = await Promise.all([
      this.ledger.headsOf(aadObjectId),
      this.ledger.query({ aadObjectId }),
      this.consents.forSubject(aadObjectId),
      this.requests.listByRequester(aadObjectId, MAX_REQUESTS),
    ]);
    const reference = new Map(requests.map((r) => [r._id, r.reference]));
    const line = (e: Pick<LedgerEntry, '_id' | 'kind' | 'at' | 'noticeVersion' | 'textHash'>): ConsentHistoryEntry => ({
      id: e._id,
      kind: e.kind,
      at: e.at,
      noticeVersion: e.noticeVersion,
      textHash: e.textHash,
      published: Boolean(notices.byHash(e.textHash)),
    });
    const devices: DeviceConsentView[] = heads.map((h) => ({
      requestId: h.device.requestId,
      reference: reference.get(h.device.requestId),
      platform: h.device.platform,
      ownership: h.device.ownership,
      status: h.state.status,
      since: h.state.since,
      noticeVersion: h.state.noticeVersion,
      entries: entries.filter((e) => e.streamId === h._id).map(line),
    }));
    // Answers recorded before the ledger existed: one entry each.
    const inLedger = new Set(entries.map((e) => e._id));
    for (const a of answers.filter((x) => !inLedger.has(x._id))) {
      devices.push({
        requestId: a.requestId,
        reference: reference.get(a.requestId),
        platform: a.platform,
        ownership: a.ownership,
        status: a.outcome,
        since: a.at,
        noticeVersion: a.textVersion,
        entries: [line({ _id: a._id, kind: a.outcome, at: a.at, noticeVersion: a.textVersion, textHash: a.textHash })],
      });
    }
    const hashes = new Set(devices.flatMap((d) => d.entries.map((e) => e.textHash)));
    const texts = [...notices.list()].reverse().filter((n) => hashes.has(n.sha256));
    return { devices, texts };
  }

  /** Everything the product stores about a person: requests, consent ledger, notice texts, audit entries naming them. */
  async personalData(aadObjectId: string): Promise<PersonalDataExport> {
    const [requests, ledger, answers] = await Promise.all([
      this.requests.listByRequester(aadObjectId, MAX_REQUESTS),
      this.ledger.query({ aadObjectId }),
      this.consents.forSubject(aadObjectId),
    ]);
    const trails = await Promise.all(requests.map((r) => this.audit.listForRequest(r._id)));
    const own = new Set(trails.flat().map((e) => e._id));
    // Entries of other people's requests that name this person as the one acting (an approval, an IT review).
    const acted = await this.db
      .collection<AuditEntry>(COLLECTIONS.audit)
      .find({ 'actor.aadObjectId': aadObjectId })
      .sort({ at: 1 })
      .limit(10_000)
      .toArray();
    const inLedger = new Set(ledger.map((e) => e._id));
    const hashes = new Set([...ledger.map((e) => e.textHash), ...answers.map((a) => a.textHash)]);
    return {
      generatedAt: this.clock().toISOString(),
      subject: { aadObjectId },
      requests: requests.map(({ outbox: _o, outboxAttempts: _a, outboxNotBefore: _n, outboxTokens: _t, openKey: _k, cards: _c, ...rest }) => rest),
      consentLedger: ledger,
      consentAnswersBeforeLedger: answers.filter((a) => !inLedger.has(a._id)),
      noticeTexts: notices
        .list()
        .filter((n) => hashes.has(n.sha256))
        .map((n) => ({ ownership: n.ownership, version: n.version, sha256: n.sha256, publishedAt: n.publishedAt, text: n.lines.join('\n') })),
      auditEntries: [...trails.flat(), ...acted.filter((e) => !own.has(e._id))],
    };
  }

  /** The auditors' export: ledger entries by person, date range and notice version, oldest first. */
  async exportRows(query: LedgerQuery): Promise<ConsentExportRow[]> {
    return (await this.ledger.query(query)).map((e) => ({
      at: e.at,
      aadObjectId: e.subject.aadObjectId,
      displayName: e.subject.displayName,
      requestId: e.device.requestId,
      platform: e.device.platform,
      ownership: e.device.ownership,
      kind: e.kind,
      noticeVersion: e.noticeVersion,
      textHash: e.textHash,
      entryId: e._id,
      seq: e.seq,
      hash: e.hash,
    }));
  }
}

/** Export rows as CSV (RFC 4180; a cell starting with = + - @ is prefixed so spreadsheets do not run it). */
export function toCsv(rows: readonly ConsentExportRow[]): string {
  const columns: (keyof ConsentExportRow)[] = ['at', 'aadObjectId', 'displayName', 'requestId', 'platform', 'ownership', 'kind', 'noticeVersion', 'textHash', 'entryId', 'seq', 'hash'];
  const cell = (v: unknown) => {
    let s = String(v ?? '');
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
