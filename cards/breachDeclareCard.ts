/**
 * The form IT Security fills in to declare a breach from an incident: the regulations (from configuration), who
 * is affected (the incident owner's devices by default, an Entra group, or a list of people) and the notice text,
 * prefilled with the organisation's template. Declare carries the incident id and version only; the bot reloads
 * the incident and checks the presser's role against the directory.
 */
import { DEFAULT_NOTICE_TEMPLATE } from '../services/breach/noticeTemplate';
import type { Regulation } from '../services/workflow/breachTransition';
import { escapeCardText } from './escape';
import { incidentData, type IncidentView } from './incidentCard';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/breachDeclare.json';
import { InputId, Verb } from './verbs';

const cardTemplate = compileTemplate('breachDeclare', template);

const ZWSP = '\u200B';
/**
 * Text put back into an input: `${` is broken with a zero-width space so it is never taken for a template binding
 * (the `{{name}}` placeholders stay as typed: inputs do not expand DATE()/TIME()); {@link fromInputValue} undoes it.
 */
const toInputValue = (t: string) => t.replace(/\$\{/g, `$${ZWSP}{`);
/** A submitted input as the person typed it. */
export const fromInputValue = (t: string) => t.replaceAll(`$${ZWSP}{`, '${');

/** How the affected people are chosen on the form. */
export type AffectedBy = 'devices' | 'group' | 'people';
export const AFFECTED_BY: readonly AffectedBy[] = ['devices', 'group', 'people'];

/** What was typed, when the form comes back with problems. */
export interface BreachDeclareInput {
  regulations?: string[];
  affectedBy?: AffectedBy;
  affected?: string;
  text?: string;
  problems?: string[];
}

/** Renders the declare form for an incident. */
export function renderBreachDeclareCard(i: IncidentView, regulations: readonly Pick<Regulation, 'id' | 'name' | 'hours'>[], input: BreachDeclareInput = {}): AdaptiveCard {
  const owner = escapeCardText(i.owner.displayName, { maxLength: 120 });
  const deviceNames = i.devices.map((d) => escapeCardText(d.deviceName, { maxLength: 80 })).join(', ');
  return cardTemplate.render({
    reference: `${i._id} · ${owner}`,
    problems: (input.problems ?? []).map((p) => escapeCardText(p, { maxLength: 300 })),
    regulations: regulations.map((r) => ({ title: `${r.id}: ${r.name} (deadline ${r.hours} hours from discovery)`, value: r.id })),
    regulationsValue: (input.regulations ?? []).join(','),
    devicesChoice: i.devices.length ? `The owner of the incident's devices: ${owner} (${deviceNames})` : `The owner of the incident's devices (this incident names no device)`,
    affectedBy: input.affectedBy ?? 'devices',
    affected: toInputValue(input.affected ?? ''),
    text: toInputValue(input.text ?? DEFAULT_NOTICE_TEMPLATE),
    inputs: { regulations: InputId.BreachRegulations, affectedBy: InputId.BreachAffectedBy, affected: InputId.BreachAffected, text: InputId.BreachNoticeText },
    declare: incidentData(Verb.IncidentBreachDeclare, i),
    back: incidentData(Verb.IncidentRefresh, i),
  });
}
