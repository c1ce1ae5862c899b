/**
 * Small pieces the card renderers share: action data, field rows, dates, labels. Everything typed by a person or
 * reported by a device goes through escapeCardText here and ends up in a TextRun (see cards/escape.ts for why).
 */
import type { ComplianceReport, DeviceDetails, OnboardingRequest, Ownership, PersonRef, SettingResult } from '../services/workflow/model';
import { PLATFORM_LABELS } from '../services/workflow/model';
import type { Tone } from '../services/content/stateText';
import { escapeCardText, escapedLines } from './escape';
import type { CardActionData, Verb } from './verbs';

/** A labelled row on a card: `text` is bot-authored (markdown and DATE()/TIME() allowed), `typed` is escaped text. */
export interface Field {
  label: string;
  text?: string;
  typed?: string;
}

/** A button's data, without undefined members (the templating engine would print them as `${…}`). */
export function actionData(verb: Verb, request?: Pick<OnboardingRequest, '_id' | 'version'>, textHash?: string): CardActionData {
  const data: CardActionData = { verb };
  if (request) {
    data.requestId = request._id;
    data.version = request.version;
  }
  if (textHash !== undefined) data.textHash = textHash;
  return data;
}

// Adaptive Cards DATE()/TIME() need strict RFC 3339 without fractional seconds, or the raw text is shown.
function rfc3339(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A date the Teams client shows in the reader's own locale and time zone. */
export function cardDate(iso: string): string {
  return `{{DATE(${rfc3339(iso)}, SHORT)}}`;
}

/** A date and time the Teams client shows in the reader's own locale and time zone. */
export function cardDateTime(iso: string): string {
  const t = rfc3339(iso);
  return `{{DATE(${t}, SHORT)}} {{TIME(${t})}}`;
}

/** "in 2 days", "in 5 hours", "in 20 minutes" or "now" from `now` to `iso`; "overdue" once passed. */
export function timeUntil(iso: string, now: string): string {
  const ms = Date.parse(iso) - Date.parse(now);
  if (ms <= 0) return 'overdue';
  const minutes = Math.round(ms / 60000);
  if (minutes < 1) return 'now';
  if (minutes < 120) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in ${hours} hours`;
  return `in ${Math.round(hours / 24)} days`;
}

/** "Personal" or "Company-owned". */
export function ownershipLabel(ownership: Ownership): string {
  return ownership === 'personal' ? 'Personal' : 'Company-owned';
}

/** "iOS / iPadOS · Personal". */
export function deviceKindLabel(device: Pick<DeviceDetails, 'platform' | 'ownership'>): string {
  return `${PLATFORM_LABELS[device.platform]} · ${ownershipLabel(device.ownership)}`;
}

/** A person's display name, escaped (directory names can be edited by their owners in some tenants). */
export function personName(person: PersonRef | undefined): string {
  return person ? escapeCardText(person.displayName, { maxLength: 120 }) : '';
}

/** Escaped names joined for one line: "Dana Lee, Sam Ortiz". */
export function personNames(people: readonly PersonRef[]): string {
  return people.map((p) => personName(p)).join(', ');
}

/** The given name for a greeting ("Megan" from "Megan Bowen"), escaped. */
export function firstName(displayName: string): string {
  return escapeCardText(displayName.trim().split(/\s+/)[0] ?? '', { maxLength: 60 }) || 'there';
}

/** First 12 hex characters of a SHA-256, enough for a person to compare two records. */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}

/** The Adaptive Card container style for a tone. */
export function containerStyle(tone: Tone): 'good' | 'warning' | 'attention' | 'accent' | 'emphasis' {
  return tone === 'default' ? 'emphasis' : tone;
}

/** Settings that keep the device from being compliant (not compliant, error, conflict or unknown). */
export function failingSettings(report: ComplianceReport): SettingResult[] {
  return report.settings.filter((s) => s.state !== 'compliant' && s.state !== 'notApplicable' && s.state !== 'remediated' && s.state !== 'notAssigned');
}

/** Readable words for a per-setting compliance status. */
export function settingStateLabel(state: SettingResult['state']): string {
  const labels: Record<SettingResult['state'], string> = {
    unknown: 'unknown',
    notApplicable: 'not applicable',
    compliant: 'compliant',
    remediated: 'remediated',
    nonCompliant: 'not compliant',
    error: 'error',
    conflict: 'conflict',
    notAssigned: 'not assigned',
  };
  return labels[state];
}

/** The Adaptive Card text colour for a per-setting status. */
export function settingStateColor(state: SettingResult['state']): 'Good' | 'Attention' | 'Warning' | 'Default' {
  if (state === 'compliant' || state === 'remediated') return 'Good';
  if (state === 'nonCompliant') return 'Attention';
  if (state === 'error' || state === 'conflict' || state === 'unknown') return 'Warning';
  return 'Default';
}

/** A labelled block of typed text (a reason, a comment, a justification), one escaped line per entry. */
export interface Note {
  label: string;
  lines: string[];
}

/** A note for typed text, or nothing when the text is empty. */
export function note(label: string, text: string | undefined): Note[] {
  const lines = escapedLines(text);
  return lines.length ? [{ label, lines }] : [];
}

/**
 * The approval step's history as card rows: each reminder ("Reminder 2 · sent on …"), each escalation and
 * reassignment with the people it went to, and whom the current approvers stand in for.
 */
export function approvalHistoryFields(r: OnboardingRequest): { fields: Field[]; notes: Note[] } {
  const fields: Field[] = [];
  const notes: Note[] = [];
  const a = r.approval;
  if (!a) return { fields, notes };
  if (a.onBehalfOf) fields.push({ label: 'On behalf of', typed: `${personName(a.onBehalfOf)} (delegated to ${personNames(r.approvers)})` });
  for (const h of a.handovers) {
    const word = h.kind === 'escalated' ? 'Escalated' : 'Reassigned';
    fields.push({ label: word, text: `on ${cardDateTime(h.at)}` });
    fields.push({ label: `${word} to`, typed: `${personNames(h.to)} (from ${personNames(h.from)}${h.by ? `, by ${personName(h.by)}` : ', no answer in time'})` });
    notes.push(...note(`Reason for reassigning`, h.reason));
  }
  a.reminders.forEach((rem, i) => fields.push({ label: `Reminder ${i + 1}`, text: `sent on ${cardDateTime(rem.at)}` }));
  return { fields, notes };
}

/** "Dana Lee" or "Dana Lee on behalf of Megan Bowen", escaped, for a decision line. */
/**
 * Who decided, as the employee reads it: "Your manager" when the manager did; otherwise the decider by name and on
 * whose behalf ("Dana Lee" … "on behalf of your manager Megan Bowen"), so a delegate's or a skip-level manager's
 * decision is never passed off as the manager's own. Names come from the directory and are escaped.
 */
export function decisionWords(r: Pick<OnboardingRequest, 'decision' | 'approverSource' | 'approval'>): { who: string; behalf: string } {
  const d = r.decision;
  if (!d) return { who: 'Your approver', behalf: '' };
  const source = r.approverSource;
  if (!d.onBehalfOf && source === 'manager') return { who: 'Your manager', behalf: '' };
  const behalf = d.onBehalfOf;
  // Delegations and escalations only ever start from the employee's manager; a reassignment may start elsewhere.
  const isManager =
    Boolean(behalf) && (source === 'delegate' || source === 'skipLevelManager' || source === 'fallbackGroup' || r.approval?.onBehalfOf?.aadObjectId === behalf?.aadObjectId);
  const who = source === 'skipLevelManager' ? `${personName(d.by)}, your manager's manager,` : personName(d.by);
  const onBehalf = behalf ? ` on behalf of ${isManager ? 'your manager ' : ''}${personName(behalf)}` : source === 'fallbackGroup' ? ' (an approver for people without a manager in the directory)' : '';
  return { who, behalf: onBehalf };
}

/** The decider's name, and on whose behalf they decided when they stood in for someone. */
export function deciderName(r: Pick<OnboardingRequest, 'decision'>): string {
  const d = r.decision;
  if (!d) return '';
  return d.onBehalfOf ? `${personName(d.by)} on behalf of ${personName(d.onBehalfOf)}` : personName(d.by);
}
