/** The daily digest IT Security gets in its channel: alerts opened, open, fixed, access removed, and grace ending soon. */
import { cardDateTime } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/complianceDigest.json';

const cardTemplate = compileTemplate('complianceDigest', template);

/** Counts and the devices nearing the end of grace. */
export interface ComplianceDigestInput {
  since: string;
  until: string;
  newCount: number;
  openCount: number;
  fixedCount: number;
  removedCount: number;
  failedCount: number;
  nearing: readonly { personName: string; deviceName: string; graceEndsAt: string }[];
}

/** Renders the digest card. */
export function renderComplianceDigestCard(d: ComplianceDigestInput): AdaptiveCard {
  return cardTemplate.render({
    period: `${cardDateTime(d.since)} – ${cardDateTime(d.until)}`,
    newCount: String(d.newCount),
    openCount: String(d.openCount),
    fixedCount: String(d.fixedCount),
    removedCount: String(d.removedCount),
    failedCount: String(d.failedCount),
    nearingTitle: d.nearing.length ? 'Grace period ending soon' : 'No grace period ends soon',
    nearing: d.nearing.map((n) => ({ who: escapeCardText(`${n.personName} · ${n.deviceName}`, { maxLength: 200 }), ends: cardDateTime(n.graceEndsAt) })),
  });
}
