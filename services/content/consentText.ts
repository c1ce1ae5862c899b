/**
 * The consent and terms text an employee accepts before enrolling (OP-PROC-002 step 4; privacy SOP §1, §2, §3, §5).
 * What IT can and cannot see follows Microsoft's "What information can your organization see when you enroll your
 * device" (https://learn.microsoft.com/en-us/mem/intune/user-help/what-info-can-your-company-see-when-you-enroll-your-device-in-intune).
 * Pure data: the privacy card and the approval card's data-collection summary read the same lists, so they cannot drift.
 */
import { createHash } from 'node:crypto';
import type { Ownership } from '../workflow/model';
import { notices } from './notices/noticeRegistry';

/**
 * Version a new draft is built with (`npm run notice -- draft`). What employees see and accept is the published
 * version in `notices/published.json`; changing a word below changes only the next draft until it is published.
 */
export const CONSENT_TEXT_VERSION = '2026-11-01';

/** Who employees contact about their data unless configuration names someone else. */
export const DEFAULT_PRIVACY_CONTACT = 'the Privacy Office (privacy@contoso.com)';

/** The consent text exactly as shown and recorded. */
export interface ConsentText {
  version: string;
  ownership: Ownership;
  /** The lines shown on the card, in order: `**Heading**`, `• item`, paragraphs; '' separates blocks. */
  lines: readonly string[];
  /** `lines` joined with "\n": the exact text the card shows and the hash covers. */
  text: string;
  /** Hex SHA-256 of `text` (UTF-8), recorded with the employee's answer. */
  sha256: string;
}

/** One titled block of the notice; `kind` lets the privacy card group blocks without matching headings. */
export interface NoticeSection {
  kind: 'collection' | 'use' | 'storage' | 'access' | 'rights' | 'terms';
  heading: string;
  items: readonly string[];
}

/** What Intune lets IT see for one kind of ownership. */
export interface DataCollection {
  canSee: readonly string[];
  sometimes: readonly string[];
  neverSees: readonly string[];
}

const NEVER_VISIBLE = [
  'Calling and web browsing history',
  'Email and text messages, contacts and calendar',
  'Passwords, photos and files',
] as const;

const SOMETIMES_VISIBLE = [
  "Free storage space, for example when a required work app can't install",
  'Some network details on Android devices',
] as const;

const COLLECTION: Record<Ownership, DataCollection> = {
  personal: {
    canSee: [
      'Device owner, device name, model and manufacturer',
      'Serial number and IMEI',
      'Operating system and version',
      'Work apps installed through the company (not your personal apps)',
      'The last four digits of your phone number',
    ],
    sometimes: SOMETIMES_VISIBLE,
    neverSees: [...NEVER_VISIBLE, 'Your location: it is never collected from personal devices', 'Your personal apps'],
  },
  company: {
    canSee: [
      'Device owner, device name, model and manufacturer',
      'Serial number and IMEI',
      'Operating system and version',
      'All installed apps',
      'The full phone number',
      'Location, only when IT locates a lost device (lost mode locks it and shows a message)',
    ],
    sometimes: SOMETIMES_VISIBLE,
    neverSees: [...NEVER_VISIBLE],
  },
};

const USE: Record<Ownership, readonly string[]> = {
  personal: [
    "To check the security settings required for access: a passcode or screen lock, encryption, a minimum OS version, and that the device isn't jailbroken or rooted.",
    'To install and configure work apps, email and Wi-Fi.',
    'To protect company data: IT can remove work apps and work data from this device, for example if it is lost or you leave. On a personal device we never reset the whole device.',
  ],
  company: [
    "To check the security settings required for access: a passcode or screen lock, encryption, a minimum OS version, and that the device isn't jailbroken or rooted.",
    'To install and configure work apps, email and Wi-Fi.',
    'To protect company data: because the device belongs to the company, IT can reset (wipe) it, for example if it is lost or stolen or when you leave. Keep personal data on it to a minimum.',
  ],
};

const STORAGE: readonly string[] = [
  "Device and compliance data is held by Microsoft Intune in Microsoft's cloud, in the data location chosen for our tenant, and is encrypted in transit (TLS).",
  "This bot keeps your request, the approval decisions, this consent record and the compliance reports in the company's database.",
  'These records are kept for 6 years, the retention period HIPAA sets for security documentation, and then deleted.',
];

const ACCESS: readonly string[] = [
  'Only people whose role needs it: the IT Security team, and auditors reviewing our security controls. Access is role-based, logged and reviewed.',
  'Your manager sees your request and its status, not your device data.',
];

function rights(ownership: Ownership, contact: string): string[] {
  const withdraw =
    ownership === 'personal'
      ? 'You can withdraw consent at any time by removing the device from management (Company Portal › Devices › Remove device). Work access from the device ends and work apps and data are removed.'
      : 'A company-owned device must stay managed to reach company resources. To withdraw, return the device to IT or ask IT Security to remove it from management.';
  return [
    withdraw,
    `To ask what is held about you, correct it, or raise a concern, contact ${contact}.`,
    'If we change what is collected or how it is used, we will tell you and ask for your consent again.',
  ];
}

const TERMS: readonly string[] = [
  "Use the device for company work in line with the company's Acceptable Use Policy.",
  'Keep a screen lock or passcode, keep encryption on, and install OS updates promptly.',
  "Don't jailbreak or root the device, and don't remove or bypass device management.",
  "Keep company data in work apps; don't copy it to personal apps or personal cloud storage.",
  'Report a lost or stolen device to IT Security straight away.',
  "Access is removed if the device falls out of compliance and isn't fixed, or when you leave the company.",
];

/** The sections of the notice for one ownership, in the order shown. */
export function noticeSections(ownership: Ownership, privacyContact = DEFAULT_PRIVACY_CONTACT): NoticeSection[] {
  const c = COLLECTION[ownership];
  return [
    { kind: 'collection', heading: 'What IT can see', items: c.canSee },
    { kind: 'collection', heading: 'What IT may see in some cases', items: c.sometimes },
    { kind: 'collection', heading: 'What IT can never see', items: c.neverSees },
    { kind: 'use', heading: 'How it is used', items: USE[ownership] },
    { kind: 'storage', heading: 'Where it is stored and for how long', items: STORAGE },
    { kind: 'access', heading: 'Who can see it', items: ACCESS },
    { kind: 'rights', heading: 'Your rights', items: rights(ownership, privacyContact) },
    { kind: 'terms', heading: 'Terms of acceptable use', items: TERMS },
  ];
}

/** What IT can and cannot see for this ownership (for the approval card and the privacy notice). */
export function dataCollectionFor(ownership: Ownership): DataCollection {
  return COLLECTION[ownership];
}

/** Hex SHA-256 of a text, UTF-8. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Builds the consent text from lines and fingerprints it; exported so tests can prove the hash follows the text. */
export function consentTextFromLines(version: string, ownership: Ownership, lines: readonly string[]): ConsentText {
  const text = lines.join('\n');
  return { version, ownership, lines, text, sha256: sha256Hex(text) };
}

/** The published consent and terms text in force for a device of this ownership, with its version and SHA-256. */
export function consentTextFor(ownership: Ownership, now: Date = new Date()): ConsentText {
  const notice = notices.current(ownership, now);
  return consentTextFromLines(notice.version, ownership, notice.lines);
}

/** The consent and terms text built from the content above: the starting point of the next published version. */
export function draftConsentText(ownership: Ownership, options: { version?: string; privacyContact?: string } = {}): ConsentText {
  const version = options.version ?? CONSENT_TEXT_VERSION;
  const kind = ownership === 'personal' ? 'personal device' : 'company-owned device';
  const lines: string[] = [
    `**Device management consent and terms: ${kind}**`,
    `Version ${version}`,
    '',
    `To use this ${kind} for work, it must be enrolled in Microsoft Intune, the company's mobile device management (MDM) service. Please read what that means before you answer.`,
  ];
  for (const section of noticeSections(ownership, options.privacyContact)) {
    lines.push('', `**${section.heading}**`, ...section.items.map((item) => `• ${item}`));
  }
  lines.push(
    '',
    'Choosing "I consent" records your agreement to this version of the text, the time, and a fingerprint (SHA-256) of the exact text. Choosing "I decline" ends this request; the device will not get access.',
  );
  return consentTextFromLines(version, ownership, lines);
}
