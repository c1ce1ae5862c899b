/**
 * Working hours in a person's time zone, so reminders arrive when people work. Outlook stores Windows time zone
 * names ("Pacific Standard Time") in mailboxSettings; Intl needs IANA names, which windows-iana maps to.
 */
import { findIana } from 'windows-iana';
import type { MailboxSettings } from '../graph/graphTypes';

/** Days and hours someone works, in their own time zone. */
export interface WorkingHours {
  /** IANA time zone, e.g. "America/Los_Angeles". */
  timeZone: string;
  /** Working days, 0 = Sunday. */
  days: number[];
  /** Start and end, in minutes after local midnight (end exclusive). */
  startMinute: number;
  endMinute: number;
}

export const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const SHORT_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** Reminders move to working time in steps this long (every real-world offset is a multiple of 15 minutes). */
const STEP_MS = 15 * 60_000;
/** A week and a day: any working time repeats within it. */
const MAX_STEPS = (8 * 24 * 60) / 15;

/** An IANA name for a Windows or IANA time zone name, or undefined when neither is known. */
export function toIanaTimeZone(name: string | null | undefined): string | undefined {
  if (!name) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name;
  } catch {
    return findIana(name)?.[0];
  }
}

/** "08:00:00.0000000" or "08:00" as minutes after midnight, or undefined. */
export function minutesOf(time: string | null | undefined): number | undefined {
  const m = /^(\d{2}):(\d{2})/.exec(time ?? '');
  if (!m) return undefined;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v <= 24 * 60 ? v : undefined;
}

/** The person's working hours from their mailbox settings, each part falling back to the configured default. */
export function workingHoursFrom(settings: MailboxSettings | undefined, fallback: WorkingHours): WorkingHours {
  const wh = settings?.workingHours;
  const timeZone = toIanaTimeZone(wh?.timeZone?.name) ?? toIanaTimeZone(settings?.timeZone) ?? fallback.timeZone;
  const days = (wh?.daysOfWeek ?? []).map((d) => DAY_NAMES.indexOf(d.toLowerCase() as (typeof DAY_NAMES)[number])).filter((d) => d >= 0);
  const startMinute = minutesOf(wh?.startTime);
  const endMinute = minutesOf(wh?.endTime);
  const hours = startMinute !== undefined && endMinute !== undefined && startMinute < endMinute ? { startMinute, endMinute } : fallback;
  return { timeZone, days: days.length ? days : fallback.days, startMinute: hours.startMinute, endMinute: hours.endMinute };
}

/** Local weekday and minute of the day of an instant in a time zone. */
function localTime(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: SHORT_DAYS.indexOf(get('weekday')), minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** Whether an instant falls inside the working hours. */
export function isWorkingTime(at: Date, wh: WorkingHours): boolean {
  const { day, minute } = localTime(at, wh.timeZone);
  return wh.days.includes(day) && minute >= wh.startMinute && minute < wh.endMinute;
}

/** `at` itself when it is working time, else the start of the next working period (to the quarter hour). */
export function nextWorkingMoment(at: Date, wh: WorkingHours): Date {
  if (!wh.days.length || isWorkingTime(at, wh)) return at;
  let t = Math.ceil(at.getTime() / STEP_MS) * STEP_MS;
  for (let i = 0; i < MAX_STEPS; i++, t += STEP_MS) if (isWorkingTime(new Date(t), wh)) return new Date(t);
  return at;
}
