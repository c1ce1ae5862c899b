/**
 * The dates of a delegation said in plain words ("until Friday", "for 2 weeks", "from Monday to Friday", "until
 * 24 Dec", "until 2026-12-24"), resolved to calendar days in the manager's own time zone. chrono-node reads the
 * words; this file only decides what a range means for a leave (both days included, "for 2 weeks" ends the day
 * before the same weekday two weeks on).
 */
import * as chrono from 'chrono-node';
import { dayIn } from '../workflow/delegation';
import { ValidationError } from '../workflow/errors';

/** A range of the manager's calendar days, both included (YYYY-MM-DD). */
export interface DayRange {
  fromDate: string;
  untilDate: string;
}

const DAY_MS = 86_400_000;
const WEEKDAY_ONLY = /^(?:this\s+|on\s+)?(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?$/i;

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00.000Z`) + n * DAY_MS).toISOString().slice(0, 10);
const pad = (n: number) => String(n).padStart(2, '0');

/** One day named in words, on or after `today` (chrono reads it against noon of `today`, in UTC, so no zone shifts it). */
function oneDay(words: string, today: string): string {
  const text = words.trim().replace(/[.!]+$/, '');
  const [result, ...more] = chrono.en.GB.parse(text, { instant: new Date(`${today}T12:00:00.000Z`), timezone: 0 }, { forwardDate: true });
  // The whole phrase must be one date: "Friday" yes, "Friday or Monday" no.
  if (!result || more.length || result.end || result.text.length < text.replace(/^(?:on|the)\s+/i, '').length - 2) {
    throw new ValidationError([`"${words.trim()}" is not a day I can read; try "Friday", "24 Dec" or 2026-12-24.`]);
  }
  let day = `${result.start.get('year')}-${pad(result.start.get('month') ?? 1)}-${pad(result.start.get('day') ?? 1)}`;
  // "until Monday" said on a Monday means next Monday, not today.
  if (day === today && WEEKDAY_ONLY.test(text)) day = addDays(day, 7);
  return day;
}

/**
 * Reads the dates of a delegation. `now` and the manager's IANA time zone give "today". A range without a start
 * starts today; a weekday ending a range ends on its next occurrence on or after the start.
 */
export function readDelegationDates(phrase: string, now: string, timeZone: string): DayRange {
  const t = phrase.trim().replace(/\s+/g, ' ').replace(/[.!]+$/, '');
  const today = dayIn(now, timeZone);
  const duration = /^for (?:the next )?(\d{1,3}|an?|one|two|three|four|five|six) (day|week)s?$/i.exec(t);
  if (duration) {
    const words: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };
    const n = words[duration[1].toLowerCase()] ?? Number(duration[1]);
    const days = n * (duration[2].toLowerCase() === 'week' ? 7 : 1);
    if (!days) throw new ValidationError(['A delegation lasts at least one day.']);
    return { fromDate: today, untilDate: addDays(today, days - 1) };
  }
  const range = /^from (.+?) (?:to|until|till|through|thru|-) (.+)$/i.exec(t);
  if (range) {
    const fromDate = oneDay(range[1], today);
    let untilDate = oneDay(range[2], fromDate);
    if (untilDate < fromDate && WEEKDAY_ONLY.test(range[2].trim())) untilDate = addDays(untilDate, 7);
    return { fromDate, untilDate };
  }
  const until = /^(?:until|till|til|through|thru|up to|to) (?:the end of )?(.+)$/i.exec(t);
  if (until) {
    // "until the end of next week" and "until next week" both mean its last day; chrono reads "end of next week".
    return { fromDate: today, untilDate: oneDay(/^(?:next|this) week$/i.test(until[1]) ? `end of ${until[1]}` : until[1], today) };
  }
  throw new ValidationError([`Say when the delegation ends, for example "until Friday", "for 2 weeks", "from Monday to Friday" or "until 2026-12-24".`]);
}

/** A day in words, as a confirmation shows it: "Mon 1 Dec", with the year when it is not this year's. */
export function dayInWords(day: string, thisYear?: string): string {
  const d = new Date(`${day}T12:00:00.000Z`);
  const text = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(d).replace(',', '');
  return thisYear && day.slice(0, 4) !== thisYear ? `${text} ${day.slice(0, 4)}` : text;
}
