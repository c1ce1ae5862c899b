/**
 * Fixtures for the consent cards ("my consents", "my data", "what IT can see"), for card tests and card pictures.
 */
import { notices } from '../services/content/notices/noticeRegistry';
import { transparencyFor } from '../services/content/transparency';
import type { ConsentHistoryView } from '../services/consent/consentService';
import type { MyDataCardInput } from './myDataCard';
import type { TransparencyCardInput } from './transparencyCard';

const personal = notices.current('personal', new Date('2026-11-20T00:00:00Z'));
const company = notices.current('company', new Date('2026-11-20T00:00:00Z'));

/** A history with a withdrawn personal phone, a company tablet, and an answer to a text that was never published. */
export const FIXTURE_CONSENT_HISTORY: ConsentHistoryView = {
  devices: [
    {
      requestId: 'req-a',
      reference: 'DEV-7K3Q2',
      platform: 'ios',
      ownership: 'personal',
      status: 'withdrawn',
      since: '2026-11-19T08:00:00.000Z',
      noticeVersion: personal.version,
      entries: [
        { id: 'e1', kind: 'consented', at: '2026-11-02T09:00:00.000Z', noticeVersion: personal.version, textHash: personal.sha256, published: true },
        { id: 'e2', kind: 'withdrawn', at: '2026-11-19T08:00:00.000Z', noticeVersion: personal.version, textHash: personal.sha256, published: true },
      ],
    },
    {
      requestId: 'req-b',
      reference: 'DEV-9P4MX',
      platform: 'android',
      ownership: 'company',
      status: 'consented',
      since: '2026-11-10T09:00:00.000Z',
      noticeVersion: company.version,
      entries: [
        { id: 'e3', kind: 'consented', at: '2026-11-10T09:00:00.000Z', noticeVersion: company.version, textHash: company.sha256, published: true },
        { id: 'e4', kind: 'acknowledged', at: '2026-11-12T09:00:00.000Z', noticeVersion: 'draft', textHash: 'f'.repeat(64), published: false },
      ],
    },
  ],
  texts: [personal, company],
};

/** Someone who has never answered. */
export const FIXTURE_EMPTY_HISTORY: ConsentHistoryView = { devices: [], texts: [] };

/** The "my data" card input. */
export const FIXTURE_MY_DATA: MyDataCardInput = {
  counts: { requests: 2, consentEntries: 4, auditEntries: 17 },
  references: ['DEV-9P4MX', 'DEV-7K3Q2'],
  downloadUrl: 'https://bot.contoso.com/api/my-data/eyJzdWIiOiJ1In0.c2ln',
  linkMinutes: 10,
  transparencyUrl: 'https://learn.microsoft.com/mem/intune/user-help/what-info-can-your-company-see-when-you-enroll-your-device-in-intune',
};

/** What IT can see: on a known device, and when no device is known. */
export const FIXTURE_TRANSPARENCY: Record<'android company' | 'ios personal' | 'unknown device', TransparencyCardInput> = {
  'android company': { answers: [transparencyFor('company', 'android')], transparencyUrl: FIXTURE_MY_DATA.transparencyUrl },
  'ios personal': { answers: [transparencyFor('personal', 'ios')], transparencyUrl: FIXTURE_MY_DATA.transparencyUrl },
  'unknown device': { answers: [transparencyFor('personal'), transparencyFor('company')], transparencyUrl: FIXTURE_MY_DATA.transparencyUrl },
};
