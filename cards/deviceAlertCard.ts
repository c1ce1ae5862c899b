/**
 * IT Security's channel card for one device and one set of failing settings. It is posted once and updated in
 * place as the alert moves: open → employee told → fixed, or access removed → restored.
 */
import { remediationFor } from '../services/content/remediation';
import type { AlertStatus } from '../services/workflow/deviceTransition';
import { PLATFORM_LABELS, type Platform } from '../services/workflow/model';
import { cardDateTime } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/deviceAlert.json';

const cardTemplate = compileTemplate('deviceAlert', template);

/** The alert as the card shows it. */
export interface DeviceAlertInput {
  status: AlertStatus;
  personName: string;
  deviceName: string;
  platform: Platform;
  intuneDeviceId: string;
  failing: readonly string[];
  graceEndsAt?: string;
  openedAt: string;
  history: readonly { status: AlertStatus; at: string }[];
}

const STATUS: Record<AlertStatus, { style: string; line: string }> = {
  open: { style: 'warning', line: 'Open: the employee is being told' },
  employeeTold: { style: 'warning', line: 'Employee told; grace period running' },
  fixed: { style: 'good', line: 'Fixed by the employee' },
  accessRemoved: { style: 'attention', line: 'Access removed: the grace period ended' },
  restored: { style: 'good', line: 'Access restored: the device complies again' },
  retired: { style: 'default', line: 'Closed: the device left Intune or its person left' },
  superseded: { style: 'default', line: 'Replaced by a newer alert: other settings fail now' },
};

/** Renders the alert card for its current status. */
export function renderDeviceAlertCard(a: DeviceAlertInput): AdaptiveCard {
  return cardTemplate.render({
    style: STATUS[a.status].style,
    statusLine: STATUS[a.status].line,
    person: escapeCardText(a.personName, { maxLength: 120 }),
    device: escapeCardText(`${a.deviceName} · ${PLATFORM_LABELS[a.platform]}`, { maxLength: 160 }),
    intuneDeviceId: escapeCardText(a.intuneDeviceId, { maxLength: 80 }),
    failing: a.failing.length ? a.failing.map((s) => remediationFor(a.platform, s).title).join(', ') : 'none',
    graceEnds: a.graceEndsAt ? cardDateTime(a.graceEndsAt) : '-',
    opened: cardDateTime(a.openedAt),
    history: a.history.map((h) => ({ line: `${STATUS[h.status].line} · ${cardDateTime(h.at)}` })),
  });
}
