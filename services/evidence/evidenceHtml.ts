import type { EvidencePack, RequestEvidence } from './evidencePack';

const esc = (v: unknown): string =>
  String(v ?? '—').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const row = (cells: unknown[], tag = 'td') => `<tr>${cells.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
const table = (head: string[], rows: unknown[][]) => `<table>${row(head, 'th')}${rows.map((r) => row(r)).join('')}</table>`;
const controls = (c?: readonly string[]) => (c?.length ? `<p class="controls">Evidences: ${c.map(esc).join(', ')}</p>` : '');

function requestSection(r: RequestEvidence): string {
  const q = r.request;
  const parts = [
    `<h2>${esc(q.reference)} — ${esc(q.requester.displayName)} (${esc(q.state)})</h2>`,
    table(['Request id', 'Device', 'Ownership', 'Created', 'Closed'], [[q.id, `${q.device.platform} ${q.device.model}`, q.device.ownership, q.createdAt, q.closedAt]]),
    '<h3>Decision (procedure step 2)</h3>',
    r.decision ? table(['Outcome', 'Approver', 'At', 'Audit entry'], [[r.decision.outcome, `${r.decision.approver.displayName} (${r.decision.approver.aadObjectId})`, r.decision.at, r.decision.auditSeq]]) + controls(r.decision.controls) : '<p>No decision recorded.</p>',
    '<h3>Consent (procedure step 4; privacy SOP §1)</h3>',
    r.consent
      ? table(['Answer', 'Text version', 'SHA-256', 'At', 'Text held'], [[r.consent.record.outcome, r.consent.record.textVersion, r.consent.record.textHash, r.consent.record.at, r.consent.textMatchesHash ? 'yes' : 'no']]) +
        (r.consent.text ? `<details><summary>Exact text</summary><pre>${esc(r.consent.text)}</pre></details>` : '') +
        controls(r.consent.controls)
      : '<p>No consent answer recorded.</p>',
    '<h3>Compliance verification report (procedure steps 5–6)</h3>',
    r.complianceReport
      ? table(['Device', 'OS', 'State', 'Evaluated', 'At grant'], [[r.complianceReport.deviceName, `${r.complianceReport.operatingSystem} ${r.complianceReport.osVersion}`, r.complianceReport.complianceState, r.complianceReport.evaluatedAt, r.complianceReport.atGrant ? 'yes' : 'no']]) +
        table(['Setting', 'State', 'Value'], r.complianceReport.settings.map((s) => [s.label, s.state, s.currentValue])) +
        controls(r.complianceReport.controls)
      : '<p>No compliance report recorded.</p>',
    '<h3>Access-group change (procedure step 6)</h3>',
    r.accessChange
      ? table(['Group', 'Member', 'Granted', 'Audit entry', 'Graph membership now'], [[r.accessChange.groupId, r.accessChange.memberId, r.accessChange.grantedAt, r.accessChange.auditSeq, r.accessChange.graphMembership ? `${r.accessChange.graphMembership.isMember ?? r.accessChange.graphMembership.error} at ${r.accessChange.graphMembership.checkedAt}` : 'not checked']]) + controls(r.accessChange.controls)
      : '<p>No access change.</p>',
    `<h3>Audit trail: ${r.audit.ok ? 'verified' : 'FAILED'} (${r.audit.stored} stored, ${r.audit.pending} pending)</h3>`,
    r.audit.firstBad ? `<p class="bad">First bad entry: ${esc(r.audit.firstBad.seq)} — ${esc(r.audit.firstBad.problem)}: ${esc(r.audit.firstBad.detail)}</p>` : '',
    table(['#', 'At', 'Event', 'From → to', 'Step', 'Actor', 'Result', 'Evidences'], r.audit.entries.map((e) => [e.seq, e.at, e.event, `${e.from ?? '—'} → ${e.to}`, e.procedureStep, e.actor.displayName ?? e.actor.kind, e.verification, e.evidences.join(', ')])),
    '<h3>Reads of these records (access log)</h3>',
    r.reads.length ? table(['At', 'Who', 'Roles', 'Door', 'Action'], r.reads.map((x) => [x.at, x.actor.aadObjectId, x.actor.roles.join(', '), x.door, x.action])) : '<p>None.</p>',
  ];
  return `<section>${parts.join('\n')}</section>`;
}

function reviewSection(r: EvidencePack['accessReviews'][number]): string {
  return `<section><h3>Review ${esc(r.id)}: ${esc(r.state)}, chain ${r.verified ? 'verified' : 'FAILED'}</h3>
${table(['Started', 'Due by', 'Attested by', 'Attested at', 'Why listed'], [[r.startedAt, r.dueBy, r.attestation ? `${r.attestation.by.displayName} (${r.attestation.by.aadObjectId})` : 'not attested', r.attestation?.at, r.mentions.join(', ')]])}
${r.firstBad ? `<p class="bad">First bad entry: ${esc(r.firstBad.seq)} — ${esc(r.firstBad.problem)}: ${esc(r.firstBad.detail)}</p>` : ''}
${r.revocations.length ? table(['Removed member', 'Requested by', 'Requested', 'State', 'Graph request-id'], r.revocations.map((x) => [x.memberId, x.by.displayName, x.requestedAt, x.state, x.graphRequestId])) : ''}
${table(['#', 'At', 'Event', 'By', 'Details'], r.events.map((e) => [e.seq, e.at, e.event, e.actor.aadObjectId ?? e.actor.kind, Object.entries(e.details).map(([k, v]) => `${k}=${v ?? '—'}`).join('; ')]))}
${controls(r.controls)}</section>`;
}

/** A self-contained, printable HTML summary of an evidence pack. */
export function renderEvidenceHtml(pack: EvidencePack): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evidence pack: ${esc(pack.scope.kind)} ${esc(pack.scope.id)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.25em .5em;text-align:left;font-size:.9em}.bad{color:#a00;font-weight:bold}.controls{color:#555;font-size:.85em}</style></head>
<body>
<h1>Evidence pack: ${esc(pack.scope.kind)} ${esc(pack.scope.id)}</h1>
${table(['Generated', 'By', 'Roles', 'Door', 'Data residency', 'Integrity'], [[pack.generatedAt, pack.generatedBy.aadObjectId, pack.generatedBy.roles.join(', '), pack.generatedBy.door, pack.dataResidency.region ?? 'not configured', pack.integrity.ok ? `all ${pack.integrity.chains} chains verified` : `${pack.integrity.problems.length} chain(s) FAILED`]])}
<h2>Controls</h2>
${table(['Control', 'What this pack shows'], Object.entries(pack.controls))}
${pack.requests.map(requestSection).join('\n')}
<h2>Access reviews (SOC 2 CC6.2, CC6.3)</h2>
${pack.accessReviews.length ? pack.accessReviews.map(reviewSection).join('\n') : '<p>No access review lists this person or request.</p>'}
</body></html>
`;
}
