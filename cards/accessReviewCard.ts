/**
 * IT Security's channel card for an access review: who holds which role, who is in the access group against who
 * should be, and who used a privileged role since the last review. Administrators attest it or remove listed
 * members from here; the bot checks their role, never the card.
 */
import { REVIEWED_ROLE_LABELS, type AccessReview, type ReviewedMember } from '../services/governance/accessReview';
import { cardDateTime } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/accessReview.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('accessReview', template);

const who = (m: ReviewedMember) => escapeCardText(m.name ? `${m.name} (${m.id})` : m.id, { maxLength: 160 });

/** Renders the review as it stands at `now` (open, overdue or attested; removals requested or done). */
export function renderAccessReviewCard(r: AccessReview, now: Date): AdaptiveCard {
  const overdue = r.state === 'open' && now.getTime() >= Date.parse(r.dueBy);
  const statusLine =
    r.state === 'attested' && r.attestation
      ? `Attested · ${cardDateTime(r.attestation.at)}`
      : overdue
        ? `Overdue: an administrator must attest it (due ${cardDateTime(r.dueBy)})`
        : `Open: an administrator attests it by ${cardDateTime(r.dueBy)}`;
  const revocation = (id: string) => r.revocations.find((x) => x.memberId === id);
  return cardTemplate.render({
    reviewId: r._id,
    period: r.since ? `${cardDateTime(r.since)} to ${cardDateTime(r.startedAt)}` : `First review · ${cardDateTime(r.startedAt)}`,
    style: r.state === 'attested' ? 'good' : overdue ? 'attention' : 'warning',
    statusLine,
    attestedBy: r.attestation ? `by ${escapeCardText(r.attestation.by.displayName, { maxLength: 120 })}` : '',
    roles: [
      ...r.roles.map((x) => ({ title: REVIEWED_ROLE_LABELS[x.role], value: x.members.length ? x.members.map(who).join(', ') : 'nobody' })),
      { title: 'Access group', value: `${r.access.members} members; ${r.access.expected} enrolled, compliant devices` },
    ],
    accessLine: r.access.unexpected.length ? `In the access group without an enrolled, compliant device (${r.access.unexpected.length})` : 'Access group matches the enrolled, compliant devices',
    unexpected: r.access.unexpected.map((m) => {
      const done = revocation(m.id);
      return {
        line: `${who(m)}${done ? (done.state === 'removed' ? ' · removed' : ' · removal requested') : ''}`,
        canRevoke: r.state === 'open' && !done,
        revoke: { verb: Verb.AccessReviewRevoke, reviewId: r._id, memberId: m.id, version: r.version },
      };
    }),
    missing: r.access.missing.map((m) => ({ line: who(m) })),
    usage: r.usage.map((u) => ({ line: `${escapeCardText(u.name ?? u.aadObjectId, { maxLength: 120 })}: ${u.reads} read${u.reads === 1 ? '' : 's'}` })),
    canAttest: r.state === 'open',
    attest: { verb: Verb.AccessReviewAttest, reviewId: r._id, version: r.version },
  });
}
