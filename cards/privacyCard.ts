/**
 * The privacy notice (privacy SOP §5, user transparency), built from the same content as the consent text. What is
 * the same for every device (storage, retention, who can see it) is shown at once; what depends on ownership (what
 * IT can and cannot see, how it is used, how to withdraw) sits behind one button per ownership, to keep the card
 * short on a phone. The terms of use stay on the consent card, where they are accepted.
 */
import { noticeSections } from '../services/content/consentText';
import { notices } from '../services/content/notices/noticeRegistry';
import type { Ownership } from '../services/workflow/model';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/privacy.json';

const cardTemplate = compileTemplate('privacy', template);

/** Options for the privacy card. */
export interface PrivacyCardOptions {
  privacyContact?: string;
}

const OWNERSHIP_TITLES: Record<Ownership, string> = { personal: 'Personal device', company: 'Company-owned device' };

/** Renders the privacy notice: storage, retention and access, then per-ownership collection, use and rights. */
export function renderPrivacyCard(options: PrivacyCardOptions = {}): AdaptiveCard {
  const sectionsOf = (o: Ownership) => noticeSections(o, options.privacyContact);
  const perDevice = (o: Ownership) => ({
    title: OWNERSHIP_TITLES[o],
    sections: sectionsOf(o).filter((s) => s.kind === 'collection' || s.kind === 'use' || s.kind === 'rights'),
  });
  return cardTemplate.render({
    intro:
      'To reach company resources from a phone, tablet or computer, the device is enrolled in Microsoft Intune. This is what that means for your information.',
    shared: sectionsOf('personal').filter((s) => s.kind === 'storage' || s.kind === 'access'),
    choose: 'Choose your kind of device to see what IT can and cannot see, how it is used, and your rights.',
    ownerships: [perDevice('personal'), perDevice('company')],
    version: notices.current('personal').version,
  });
}
