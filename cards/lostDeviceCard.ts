/** The employee's report of a lost or stolen device: which of their enrolled devices, when and where last seen. */
import type { Ownership, Platform } from '../services/workflow/model';
import { PLATFORM_LABELS } from '../services/workflow/model';
import { ownershipLabel } from './cardHelpers';
import { escapeCardText } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/lostDevice.json';
import { InputId, Verb } from './verbs';

const cardTemplate = compileTemplate('lostDevice', template);

/** A device the employee can pick. */
export interface ReportableDevice {
  deviceId: string;
  deviceName: string;
  platform: Platform;
  ownership?: Ownership;
}

/** Renders the report form (again with what was typed and the problems, when a submission was refused). */
export function renderLostDeviceCard(input: { devices: ReportableDevice[]; cause: 'lost' | 'stolen'; selected?: string; when?: string; where?: string; problems?: string[] }): AdaptiveCard {
  return cardTemplate.render({
    title: input.cause === 'stolen' ? 'Report a stolen device' : 'Report a lost device',
    problems: (input.problems ?? []).map((p) => escapeCardText(p, { maxLength: 300 })),
    devices: input.devices.map((d) => ({
      title: escapeCardText(`${d.deviceName} · ${PLATFORM_LABELS[d.platform]}${d.ownership ? ` · ${ownershipLabel(d.ownership)}` : ''}`, { maxLength: 160 }),
      value: d.deviceId,
    })),
    selectedDevice: input.selected ?? (input.devices.length === 1 ? input.devices[0].deviceId : ''),
    cause: input.cause,
    when: escapeCardText(input.when ?? '', { maxLength: 200 }),
    where: escapeCardText(input.where ?? '', { maxLength: 500 }),
    anyPersonal: input.devices.some((d) => d.ownership !== 'company'),
    inputs: { device: InputId.ReportDevice, cause: InputId.ReportCause, when: InputId.LastSeenWhen, where: InputId.LastSeenWhere, wipe: InputId.WipeAgreed },
    submit: { verb: Verb.IncidentReport },
  });
}
