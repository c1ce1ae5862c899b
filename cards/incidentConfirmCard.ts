/**
 * The explicit confirmation before a device action: it names the action, the device and its owner, and what
 * the action does, and is shown only to the member of IT Security who asked. Confirm carries the incident id,
 * version, device and action; the bot checks all of them again against the database.
 */
import { DEVICE_ACTION_LABELS, type DeviceActionName, type IncidentDevice } from '../services/workflow/incidentTransition';
import { PLATFORM_LABELS } from '../services/workflow/model';
import { ownershipLabel } from './cardHelpers';
import { escapeCardText } from './escape';
import { incidentData, type IncidentView } from './incidentCard';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/incidentConfirm.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('incidentConfirm', template);

/** What each action does, for the person about to confirm it (Intune's remote actions). */
const CONSEQUENCE: Record<DeviceActionName, string> = {
  remoteLock: 'Locks the screen now; the owner unlocks it with their passcode. Nothing is erased.',
  retire: 'Removes company data, apps and settings managed by Intune, and the device leaves management. Personal data stays.',
  wipe: 'Restores the device to factory settings: everything on it is erased, personal data included. This cannot be undone.',
};

/** Renders the confirmation for one device action. */
export function renderIncidentConfirmCard(i: IncidentView, device: IncidentDevice, action: DeviceActionName): AdaptiveCard {
  const name = escapeCardText(device.deviceName, { maxLength: 120 });
  const owner = escapeCardText(i.owner.displayName, { maxLength: 120 });
  return cardTemplate.render({
    title: `Confirm: ${DEVICE_ACTION_LABELS[action]}`,
    reference: i._id,
    style: action === 'remoteLock' ? 'warning' : 'attention',
    question: `${DEVICE_ACTION_LABELS[action]} ${owner}'s ${name}?`,
    consequence: CONSEQUENCE[action],
    facts: [
      { title: 'Owner', value: owner },
      { title: 'Device', value: `${name} · ${PLATFORM_LABELS[device.platform]}` },
      { title: 'Ownership', value: device.ownership === 'unknown' ? 'Unknown' : ownershipLabel(device.ownership) },
      { title: 'Intune device id', value: escapeCardText(device.deviceId, { maxLength: 80 }) },
    ],
    confirmTitle: `Yes, ${DEVICE_ACTION_LABELS[action].split(' (')[0].toLowerCase()} ${name}`,
    confirm: incidentData(Verb.IncidentActionConfirm, i, { deviceId: device.deviceId, deviceAction: action }),
    back: incidentData(Verb.IncidentRefresh, i),
  });
}
