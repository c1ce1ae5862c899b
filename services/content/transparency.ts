/**
 * "What can IT see on my phone?": the answer drawn from the published notice in force for the device's ownership,
 * plus what differs by platform. The platform notes follow Microsoft's page for employees, "What information can
 * my organization see when I enroll my device?" (memdocs intune/user-help/enrollment/data-visibility.md).
 */
import type { Ownership, Platform } from '../workflow/model';
import { notices, sectionsOf, type PublishedNotice } from './notices/noticeRegistry';

/** Microsoft's page for employees on what an organization can see on an enrolled device. */
export const DEFAULT_TRANSPARENCY_URL = 'https://learn.microsoft.com/mem/intune/user-help/what-info-can-your-company-see-when-you-enroll-your-device-in-intune';

/** What differs by platform and ownership beyond the notice's lists; empty where nothing does. */
const PLATFORM_NOTES: Record<Platform, Record<Ownership, readonly string[]>> = {
  ios: {
    personal: [],
    company: ['IT can put a lost company-owned iPhone or iPad into managed lost mode to ask for its location: the device locks and shows a message on its lock screen.'],
  },
  android: {
    personal: ['Some details of the network the device is connected to may be visible.'],
    company: [
      'With a work profile, IT sees only the apps in the work profile and the last four digits of the phone number.',
      'Some details of the network the device is connected to may be visible.',
      'On Android 11 and earlier, IT can grant permissions (such as camera or location) to apps in the work profile; you get a notification when that happens.',
    ],
  },
  windows: {
    personal: [],
    company: [
      'IT can query a company-owned Windows device for hardware and system details, installed certificates, file paths and names, user and group information, registry and event log entries, and running processes.',
    ],
  },
  macos: { personal: [], company: [] },
};

/** The transparency answer for one ownership and platform. */
export interface TransparencyAnswer {
  ownership: Ownership;
  platform?: Platform;
  notice: Pick<PublishedNotice, 'version' | 'sha256' | 'publishedAt'>;
  canSee: string[];
  sometimes: string[];
  neverSees: string[];
  platformNotes: string[];
}

/** What IT can see on a device of this ownership (and platform, when known), from the notice in force at `now`. */
export function transparencyFor(ownership: Ownership, platform?: Platform, now: Date = new Date()): TransparencyAnswer {
  const notice = notices.current(ownership, now);
  const sections = sectionsOf(notice);
  const items = (heading: string) => sections.find((s) => s.heading === heading)?.items ?? [];
  return {
    ownership,
    platform,
    notice: { version: notice.version, sha256: notice.sha256, publishedAt: notice.publishedAt },
    canSee: items('What IT can see'),
    sometimes: items('What IT may see in some cases'),
    neverSees: items('What IT can never see'),
    platformNotes: platform ? [...PLATFORM_NOTES[platform][ownership]] : [],
  };
}
