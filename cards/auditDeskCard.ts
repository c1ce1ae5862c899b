/**
 * The answers to auditors' and administrators' commands in Teams: audit verification, evidence for a request or a
 * person (with short-lived download links), and the latest reads in the access log. Ids and facts only; names come
 * from the directory and go in TextRuns, so no markdown of theirs is rendered.
 */
import type { EvidencePack } from '../services/evidence/evidencePack';
import type { AccessLogEntry } from '../services/governance/accessLog';
import type { VerificationSummary } from '../services/governance/auditDesk';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/auditDesk.json';

const cardTemplate = compileTemplate('auditDesk', template);

/** At most this many lines on a card; the rest is in the command-line tools and the evidence pack. */
export const AUDIT_DESK_MAX_LINES = 15;

interface Line {
  label: string;
  text: string;
}

const plain = (s: string, maxLength = 200) => escapeCardText(s, { maxLength });

function render(input: { title: string; style: string; statusLine: string; lines: Line[]; note?: string; links?: { title: string; url: string }[] }): AdaptiveCard {
  return cardTemplate.render({ ...input, lines: input.lines.slice(0, AUDIT_DESK_MAX_LINES), note: input.note ?? '', links: input.links ?? [] });
}

/** "verify audit [DEV-…]": every chain, or one request's, with the first bad entry of each failing chain. */
export function renderVerificationCard(s: VerificationSummary): AdaptiveCard {
  const scope = s.scope.kind === 'all' ? 'every audit chain' : `request ${s.scope.reference ?? s.scope.id}`;
  return render({
    title: 'Audit verification',
    style: s.failing.length ? 'attention' : 'good',
    statusLine: s.failing.length ? `${s.failing.length} of ${s.chains} chains FAILED` : `All ${s.chains} chains verified`,
    lines: [
      { label: 'Scope: ', text: scope },
      { label: 'Entries: ', text: `${s.stored} stored, ${s.pending} pending` },
      { label: 'Took: ', text: `${(s.elapsedMs / 1000).toFixed(2)} s` },
      ...s.failing.map((f) => ({ label: `${plain(f.chain, 120)}: `, text: `entry ${f.seq} ${f.problem} (${plain(f.detail)})` })),
    ],
    note: s.failing.length > AUDIT_DESK_MAX_LINES - 3 ? 'More chains failed than fit here: run `npm run verify` for the full list.' : 'Each chain was checked entry by entry against its stored head. This check is recorded in the access log.',
  });
}

/** "evidence for …": what the pack holds and its integrity, with links to the JSON and the HTML summary. */
export function renderEvidenceCard(pack: EvidencePack, links: { json: string; html: string } | null, linkMinutes: number): AdaptiveCard {
  const who = pack.requests[0]?.request.requester.displayName;
  return render({
    title: 'Evidence pack',
    style: pack.integrity.ok ? 'good' : 'attention',
    statusLine: pack.integrity.ok ? `Integrity verified (${pack.integrity.chains} chains)` : `Integrity FAILED in ${pack.integrity.problems.length} chain(s)`,
    lines: [
      { label: 'For: ', text: `${pack.scope.kind} ${pack.scope.id}${who ? ` (${plain(who, 120)})` : ''}` },
      { label: 'Requests: ', text: pack.requests.map((r) => `${r.request.reference} ${r.request.state}`).join(', ') || 'none' },
      { label: 'Consent answers: ', text: String(pack.person?.consents.length ?? pack.requests.filter((r) => r.consent).length) },
      { label: 'Audit entries: ', text: String(pack.requests.reduce((n, r) => n + r.audit.entries.length, 0)) },
      { label: 'Access reviews: ', text: String(pack.accessReviews.length) },
      { label: 'Data residency: ', text: pack.dataResidency.region ?? 'not configured' },
      ...pack.integrity.problems.map((p) => ({ label: `${plain(p.chain, 120)}: `, text: `entry ${p.finding.seq} ${p.finding.problem}` })),
    ],
    note: links ? `The links work for ${linkMinutes} minutes, only for you while you hold the auditor or administrator role; each download is recorded in the access log.` : 'Downloads are not offered here (no public address is configured): use `npm run evidence`.',
    links: links ? [{ title: 'Download HTML summary', url: links.html }, { title: 'Download JSON', url: links.json }] : [],
  });
}

/** "access log [for …]": the latest reads of sensitive records (of one person or request when `about` is given), newest first. */
export function renderAccessLogCard(entries: AccessLogEntry[], names: ReadonlyMap<string, string>, about?: string): AdaptiveCard {
  return render({
    title: 'Access log',
    style: 'default',
    statusLine: entries.length ? `The latest ${Math.min(entries.length, AUDIT_DESK_MAX_LINES)} of ${entries.length} reads of ${about ? 'these records' : 'sensitive records'}` : 'No reads recorded',
    lines: [
      ...(about ? [{ label: 'For: ', text: plain(about, 120) }] : []),
      ...entries.map((e) => ({
        label: `${e.at.slice(0, 16).replace('T', ' ')} UTC `,
        text: `${plain(names.get(e.actor.aadObjectId) ?? e.actor.aadObjectId, 120)} (${e.actor.roles.join(', ') || 'no role'}) · ${e.door} · ${e.action} · ${e.subject.kind} ${plain(e.subject.id, 80)}`,
      })),
    ],
    note: 'Who read what, when and through which door; this read is recorded too. For a whole day: `npm run access-log`.',
  });
}
