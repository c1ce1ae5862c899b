/**
 * The enrolled device's life after access was granted, as a pure function: a device that drifts out of
 * compliance gets a grace period with reminders, loses access when it ends, and gets it back once it complies
 * again; it is retired when Intune no longer has it or its person leaves. Effects are data, carried out by
 * services/devices through the outbox. Imports nothing from I/O.
 */
import type { Platform } from './model';

/**
 * Where an enrolled device stands. Besides compliance: `consentWithdrawn` (the person withdrew consent; access is
 * off for good and IT retires the device) and `consentLapsed` (a material notice change was not consented to by
 * its deadline; access is off until the person consents to the new text).
 */
export type DeviceState = 'compliant' | 'inGrace' | 'accessRemoved' | 'consentWithdrawn' | 'consentLapsed' | 'retired';

export const DEVICE_STATES: readonly DeviceState[] = ['compliant', 'inGrace', 'accessRemoved', 'consentWithdrawn', 'consentLapsed', 'retired'];

/** States in which the device has no access, so removing it again is not owed. */
const ACCESS_OFF: readonly DeviceState[] = ['accessRemoved', 'consentWithdrawn', 'consentLapsed'];

/** What the sweep, a timer or a person reports about a device. */
export type DeviceEvent =
  /** Intune's view: compliant or not, the settings that fail, and Intune's own grace end when it reports one. */
  | { type: 'complianceObserved'; compliant: boolean; failing: readonly string[]; intuneGraceEndsAt?: string | null }
  /** The device's timer fired: a grace reminder or the end of grace may be due. */
  | { type: 'graceTimer' }
  /** A group membership change carried out (recorded with Graph's request id for the audit trail). */
  | { type: 'membershipApplied'; op: 'add' | 'remove'; groupId: string; memberId: string; graphRequestId?: string | null; clientRequestId?: string }
  /** Intune no longer lists the device (retired, wiped or deleted). */
  | { type: 'deviceGone' }
  /** The person left the organisation (account deleted or disabled). */
  | { type: 'personLeft' }
  /** An incident (lost, stolen, jailbroken) forbids access until it closes. */
  | { type: 'incidentOpened'; incidentId: string }
  /** That incident closed: it no longer forbids access; the device's compliance decides again. */
  | { type: 'incidentClosed'; incidentId: string }
  /** The person withdrew their consent to management of this device (recorded in their consent ledger). */
  | { type: 'consentWithdrawn' }
  /** A material change of the notice passed its deadline without the person's consent to the new text. */
  | { type: 'consentLapsed'; noticeVersion: string }
  /** The person consented to the new text after their consent had lapsed. */
  | { type: 'consentRenewed'; noticeVersion: string };

export type DeviceEventType = DeviceEvent['type'];

export const DEVICE_EVENT_TYPES: readonly DeviceEventType[] = [
  'complianceObserved',
  'graceTimer',
  'membershipApplied',
  'deviceGone',
  'personLeft',
  'incidentOpened',
  'incidentClosed',
  'consentWithdrawn',
  'consentLapsed',
  'consentRenewed',
];

/** What the employee is told. */
export type DeviceNotice = 'drift' | 'reminder' | 'accessRemoved' | 'accessRestored' | 'fixed' | 'consentLapsed';

/** Where the IT alert for the current failing settings stands. */
export type AlertStatus = 'open' | 'employeeTold' | 'fixed' | 'accessRemoved' | 'restored' | 'retired' | 'superseded';

/** Side effects of a device transition, carried out after the device is saved. */
export type DeviceEffect =
  | { type: 'notifyEmployee'; about: DeviceNotice; failing: readonly string[]; graceEndsAt?: string }
  | { type: 'alertIt'; status: AlertStatus; failing: readonly string[] }
  | { type: 'removeAccess' }
  | { type: 'restoreAccess' }
  /** IT Security is told in its channel (a withdrawal: retire the device). */
  | { type: 'tellIt'; about: 'consentWithdrawn' };

/** The device fields the machine reads and writes. */
export interface DeviceCore {
  _id: string;
  platform: Platform;
  state: DeviceState;
  /** Setting ids failing at the last observation, sorted (empty while compliant). */
  failing: string[];
  /** When the running grace period ends (only in inGrace). */
  graceEndsAt?: string;
  /** Reminders already sent in this grace period, as hours before its end. */
  remindersSent: number[];
  /** When the device's timer should next fire (a reminder or the end of grace), if at all. */
  timerAt?: string;
  /** Open incidents that forbid access; while any is open, access stays removed whatever compliance says. */
  incidentHolds?: string[];
}

/** The grace policy, from configuration. */
export interface DevicePolicy {
  /** Length of the grace period when Intune reports none. */
  graceHours: number;
  /** Reminders before the end of grace, in hours (e.g. [72, 24]). */
  reminderHoursBefore: readonly number[];
}

/** The outcome of one event. `changed` false: nothing to save, audit or do. */
export interface DeviceTransitionResult<T extends DeviceCore> {
  next: T;
  effects: DeviceEffect[];
  changed: boolean;
}

/** The event is not allowed in the device's current state. */
export class InvalidDeviceTransitionError extends Error {
  constructor(
    readonly deviceId: string,
    readonly state: DeviceState,
    readonly event: DeviceEventType,
  ) {
    super(`Event ${event} is not allowed for device ${deviceId} in state ${state}`);
    this.name = 'InvalidDeviceTransitionError';
  }
}

/** Intune's "no grace period" sentinel is a date in year 9999; anything past a decade counts as none. */
const FAR_FUTURE_MS = 10 * 365 * 24 * 3600 * 1000;
const HOUR = 3600 * 1000;

/** The grace end Intune reports, when it is a real date ahead of now. */
export function intuneGraceEnd(reported: string | null | undefined, now: Date): string | undefined {
  if (!reported) return undefined;
  const at = Date.parse(reported);
  if (Number.isNaN(at) || at - now.getTime() > FAR_FUTURE_MS) return undefined;
  return new Date(at).toISOString();
}

/** The next moment the timer must fire: the first reminder not yet sent, or the end of grace. */
export function nextTimer(graceEndsAt: string, remindersSent: readonly number[], policy: DevicePolicy, now: Date): string {
  const end = Date.parse(graceEndsAt);
  const reminders = policy.reminderHoursBefore
    .filter((h) => !remindersSent.includes(h))
    .map((h) => end - h * HOUR)
    .filter((at) => at > now.getTime())
    .sort((a, b) => a - b);
  return new Date(reminders[0] ?? end).toISOString();
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();

/** Applies one event to a device at `now`. Throws InvalidDeviceTransitionError for events a state does not take. */
export function deviceTransition<T extends DeviceCore>(device: T, event: DeviceEvent, policy: DevicePolicy, now: Date): DeviceTransitionResult<T> {
  const same = (): DeviceTransitionResult<T> => ({ next: device, effects: [], changed: false });
  const to = (patch: Partial<DeviceCore>, effects: DeviceEffect[]): DeviceTransitionResult<T> => ({ next: { ...device, ...patch }, effects, changed: true });
  const refuse = () => {
    throw new InvalidDeviceTransitionError(device._id, device.state, event.type);
  };
  // The removal a retirement owes still lands after it, and is audited like every access change.
  if (device.state === 'retired') return event.type === 'membershipApplied' ? { next: device, effects: [], changed: true } : refuse();

  switch (event.type) {
    case 'membershipApplied':
      // Recorded for the audit trail; the state already says whether access should exist.
      return { next: device, effects: [], changed: true };
    case 'incidentOpened': {
      const holds = device.incidentHolds ?? [];
      if (holds.includes(event.incidentId)) return same();
      if (ACCESS_OFF.includes(device.state)) return to({ incidentHolds: [...holds, event.incidentId] }, []);
      return to({ state: 'accessRemoved', incidentHolds: [...holds, event.incidentId], graceEndsAt: undefined, timerAt: undefined, remindersSent: [] }, [
        { type: 'removeAccess' },
        ...(device.state === 'inGrace' ? [{ type: 'alertIt', status: 'accessRemoved', failing: device.failing } as const] : []),
      ]);
    }
    case 'incidentClosed': {
      const holds = device.incidentHolds ?? [];
      if (!holds.includes(event.incidentId)) return same();
      // Access comes back only through the next compliant observation, never straight from closing the incident.
      return to({ incidentHolds: holds.filter((h) => h !== event.incidentId) }, []);
    }
    case 'deviceGone':
    case 'personLeft':
      return to({ state: 'retired', graceEndsAt: undefined, timerAt: undefined, remindersSent: [] }, [
        ...(ACCESS_OFF.includes(device.state) ? [] : [{ type: 'removeAccess' } as const]),
        ...(device.state === 'inGrace' ? [{ type: 'alertIt', status: 'retired', failing: device.failing } as const] : []),
      ]);
    case 'consentWithdrawn':
      if (device.state === 'consentWithdrawn') return same();
      return to({ state: 'consentWithdrawn', graceEndsAt: undefined, timerAt: undefined, remindersSent: [] }, [
        ...(ACCESS_OFF.includes(device.state) ? [] : [{ type: 'removeAccess' } as const]),
        ...(device.state === 'inGrace' ? [{ type: 'alertIt', status: 'retired', failing: device.failing } as const] : []),
        { type: 'tellIt', about: 'consentWithdrawn' },
      ]);
    case 'consentLapsed':
      if (device.state === 'consentLapsed' || device.state === 'consentWithdrawn') return same();
      return to({ state: 'consentLapsed', graceEndsAt: undefined, timerAt: undefined, remindersSent: [] }, [
        ...(ACCESS_OFF.includes(device.state) ? [] : [{ type: 'removeAccess' } as const]),
        { type: 'notifyEmployee', about: 'consentLapsed', failing: device.failing },
        ...(device.state === 'inGrace' ? [{ type: 'alertIt', status: 'accessRemoved', failing: device.failing } as const] : []),
      ]);
    case 'consentRenewed':
      if (device.state !== 'consentLapsed') return same();
      // Settings that failed while consent had lapsed, or an open incident, still keep access off; the next compliant
      // observation without an incident restores it.
      if (device.failing.length || (device.incidentHolds ?? []).length) return to({ state: 'accessRemoved' }, []);
      return to({ state: 'compliant' }, [
        { type: 'restoreAccess' },
        { type: 'notifyEmployee', about: 'accessRestored', failing: [] },
      ]);
    case 'complianceObserved': {
      const failing = event.compliant ? [] : sorted(event.failing);
      switch (device.state) {
        case 'consentWithdrawn':
          return same();
        case 'consentLapsed':
          // Access stays off whatever the compliance; what fails is kept for when consent is renewed.
          return sameSet(failing, device.failing) ? same() : to({ failing }, []);
        case 'compliant': {
          if (event.compliant) return same();
          const graceEndsAt = intuneGraceEnd(event.intuneGraceEndsAt, now) ?? new Date(now.getTime() + policy.graceHours * HOUR).toISOString();
          return to({ state: 'inGrace', failing, graceEndsAt, remindersSent: [], timerAt: nextTimer(graceEndsAt, [], policy, now) }, [
            { type: 'notifyEmployee', about: 'drift', failing, graceEndsAt },
            { type: 'alertIt', status: 'open', failing },
          ]);
        }
        case 'inGrace': {
          if (event.compliant) {
            return to({ state: 'compliant', failing: [], graceEndsAt: undefined, remindersSent: [], timerAt: undefined }, [
              { type: 'notifyEmployee', about: 'fixed', failing: [] },
              { type: 'alertIt', status: 'fixed', failing: device.failing },
            ]);
          }
          if (sameSet(failing, device.failing)) return same();
          // Other settings fail now: the grace period keeps running, but the employee and IT hear what changed.
          return to({ failing }, [
            { type: 'notifyEmployee', about: 'drift', failing, graceEndsAt: device.graceEndsAt },
            { type: 'alertIt', status: 'open', failing },
          ]);
        }
        case 'accessRemoved': {
          const held = (device.incidentHolds ?? []).length > 0;
          if (!event.compliant || held) return sameSet(failing, device.failing) ? same() : to({ failing }, []);
          return to({ state: 'compliant', failing: [], timerAt: undefined }, [
            { type: 'restoreAccess' },
            { type: 'notifyEmployee', about: 'accessRestored', failing: [] },
            { type: 'alertIt', status: 'restored', failing: device.failing },
          ]);
        }
      }
      return refuse();
    }
    case 'graceTimer': {
      if (device.state !== 'inGrace' || !device.graceEndsAt) return device.timerAt ? to({ timerAt: undefined }, []) : same();
      const end = Date.parse(device.graceEndsAt);
      if (now.getTime() >= end) {
        return to({ state: 'accessRemoved', graceEndsAt: undefined, timerAt: undefined }, [
          { type: 'removeAccess' },
          { type: 'notifyEmployee', about: 'accessRemoved', failing: device.failing },
          { type: 'alertIt', status: 'accessRemoved', failing: device.failing },
        ]);
      }
      // The largest reminder whose time has come stands for all earlier ones (a late timer sends one reminder).
      const due = policy.reminderHoursBefore.filter((h) => !device.remindersSent.includes(h) && now.getTime() >= end - h * HOUR);
      if (!due.length) {
        const timerAt = nextTimer(device.graceEndsAt, device.remindersSent, policy, now);
        return timerAt === device.timerAt ? same() : to({ timerAt }, []);
      }
      const remindersSent = [...device.remindersSent, ...due];
      return to({ remindersSent, timerAt: nextTimer(device.graceEndsAt, remindersSent, policy, now) }, [
        { type: 'notifyEmployee', about: 'reminder', failing: device.failing, graceEndsAt: device.graceEndsAt },
      ]);
    }
  }
}
