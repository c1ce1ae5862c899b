import { renderApprovalCard } from '../cards/approvalCard';
import { renderComplianceCard } from '../cards/complianceCard';
import { renderConsentCard } from '../cards/consentCard';
import { renderEnrollmentCard } from '../cards/enrollmentCard';
import { renderErrorCard } from '../cards/errorCard';
import { renderItCard } from '../cards/itCard';
import { renderLookupCard } from '../cards/lookupCard';
import { renderNoticeCard } from '../cards/noticeCard';
import { renderNotificationCard } from '../cards/notificationCard';
import { renderNotYoursCard } from '../cards/notYoursCard';
import { renderPrivacyCard } from '../cards/privacyCard';
import { renderRequestFormCard } from '../cards/requestFormCard';
import { renderRequestStatusCard } from '../cards/requestStatusCard';
import { renderWelcomeCard } from '../cards/welcomeCard';
import { consentTextFor } from '../services/content/consentText';
import { requestStateText } from '../services/content/stateText';
import type { CardJson } from '../services/onboarding/views';
import type { BotCards } from './botCards';

/** Settings the cards read from configuration. */
export interface BotCardOptions {
  /** Microsoft's page on what an organization can see (TRANSPARENCY_URL); the consent card links to it. */
  transparencyUrl?: string;
}

/** The product's cards, rendered from the card templates, with the configured links. */
export function createBotCards(options: BotCardOptions = {}): BotCards {
  return {
    ...botCards,
    consent: (r) => renderConsentCard(r, consentTextFor(r.device.ownership), { transparencyUrl: options.transparencyUrl }) as CardJson,
  };
}

/** The product's cards, rendered from the card templates. */
export const botCards: BotCards = {
  requestStatus: (r) => renderRequestStatusCard(r, { now: new Date().toISOString() }) as CardJson,
  approval: (r, viewer, refreshUserIds) => renderApprovalCard(r, { viewer, refreshUserIds }) as CardJson,
  it: (r, viewer) => renderItCard(r, { viewer }) as CardJson,
  consent: (r) => renderConsentCard(r, consentTextFor(r.device.ownership)) as CardJson,
  enrollment: (r) => renderEnrollmentCard(r) as CardJson,
  compliance: (r) => renderComplianceCard(r) as CardJson,
  notice: (r, topic, audience) => renderNotificationCard(r, topic, audience) as CardJson,
  welcome: (displayName, open) =>
    renderWelcomeCard({ displayName, openRequest: open ? { reference: open.reference, stateLabel: requestStateText(open.state).label } : undefined }) as CardJson,
  requestForm: (values, errors) => renderRequestFormCard({ values, errors }) as CardJson,
  privacy: () => renderPrivacyCard() as CardJson,
  lookup: (person, requests) =>
    renderLookupCard({ person: { aadObjectId: person.id, displayName: person.displayName, userPrincipalName: person.userPrincipalName }, requests }) as CardJson,
  message: (title, text, tone = 'default') => renderNoticeCard({ title, text, tone }) as CardJson,
  error: (referenceId, message) => renderErrorCard({ referenceId, message }) as CardJson,
  notYours: () => renderNotYoursCard() as CardJson,
};
