/** The employee's view of their incidents: where each stands and what happens next, in plain words. */
import { DEVICE_ACTION_LABELS, INCIDENT_CAUSE_LABELS, INCIDENT_STATE_LABELS, type IncidentState } from '../services/workflow/incidentTransition';
import { cardDateTime } from './cardHelpers';
import { escapeCardText } from './escape';
import { utcMinute, type IncidentView } from './incidentCard';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/incidentStatus.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('incidentStatus', template);

const NEXT: Record<IncidentState, string> = {
  reported: 'Work access from the device is removed. IT Security has your report and will contact you; they may lock the device or remove company data from it.',
  triaged: 'IT Security is acting on your report. If the device turns up, tell IT Security before you use it for work again.',
  contained: 'The device is under control (locked, retired or wiped). IT Security is finishing its investigation.',
  investigated: 'IT Security has finished investigating and is closing the report.',
  closed: 'This report is closed. To use a device for work again, type "I want to use my phone for work".',
};
const COLOR: Record<IncidentState, string> = { reported: 'Attention', triaged: 'Warning', contained: 'Accent', investigated: 'Default', closed: 'Good' };

/** Renders the status of the employee's incidents (newest first); `title` says what just happened, if anything. */
export function renderIncidentStatusCard(incidents: IncidentView[], title = 'Your device reports'): AdaptiveCard {
  return cardTemplate.render({
    title,
    incidents: incidents.map((i) => ({
      headline: `${INCIDENT_CAUSE_LABELS[i.cause]} · ${i._id}`,
      stateLine: `${INCIDENT_STATE_LABELS[i.state]} · reported ${cardDateTime(i.openedAt)}`,
      color: COLOR[i.state],
      next: NEXT[i.state],
      lines: [
        ...i.devices.map((d) => escapeCardText(d.deviceName, { maxLength: 120 })),
        ...i.actions.filter((a) => a.status === 'accepted').map((a) => `${DEVICE_ACTION_LABELS[a.action]} sent to the device ${utcMinute(a.result?.at ?? a.requestedAt)}`),
      ],
    })),
    refresh: { verb: Verb.IncidentStatus },
  });
}
