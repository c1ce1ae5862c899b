/**
 * The Teams tab's view models of devices, consents, alerts, notices and charts: plain data from stored records,
 * with the same words as the cards (services/content). Pure: no I/O.
 */
import type { ConsentHistoryView } from '../services/consent/consentService';
import { dataCollectionFor } from '../services/content/consentText';
import type { PublishedNotice } from '../services/content/notices/noticeRegistry';
import { remediationFor } from '../services/content/remediation';
import { REQUEST_STATE_TEXT, type Tone } from '../services/content/stateText';
import type { DeviceAlert } from '../services/devices/alertRepository';
import type { EnrolledDevice } from '../services/devices/deviceRepository';
import type { AlertStatus, DeviceState } from '../services/workflow/deviceTransition';
import { PLATFORM_LABELS, type RequestState } from '../services/workflow/model';
import type { Actor } from '../services/workflow/transition';
import type { NoticeCampaign } from '../services/consent/noticeCampaigns';
import type { CampaignCounts } from '../services/workflow/noticeCampaign';
import { TIME_TO_ACCESS_BUCKETS, type ComplianceSnapshot } from '../services/devices/complianceSnapshots';
import type { AlertView, CampaignProgressView, ChartBar, ConsentView, DailySeriesView, DeviceView, NoticeView } from './tabViewTypes';

/** How a device's state reads, in the words of the device notices. */
export const DEVICE_STATE_TEXT: Readonly<Record<DeviceState, { label: string; tone: Tone }>> = {
  compliant: { label: 'Compliant: work access on', tone: 'good' },
  inGrace: { label: 'Needs fixing before the grace period ends', tone: 'warning' },
  accessRemoved: { label: 'Work access removed until fixed', tone: 'attention' },
  consentWithdrawn: { label: 'Consent withdrawn: work access removed, IT retires the device', tone: 'attention' },
  consentLapsed: { label: 'Work access paused until you accept the updated notice', tone: 'attention' },
  retired: { label: 'No longer managed', tone: 'default' },
};

/** How an alert's status reads for IT Security. */
export const ALERT_STATUS_TEXT: Readonly<Record<AlertStatus, string>> = {
  open: 'Open',
  employeeTold: 'Open, employee told',
  fixed: 'Fixed',
  accessRemoved: 'Access removed',
  restored: 'Access restored',
  retired: 'Device retired',
  superseded: 'Superseded by a newer alert',
};


/** A device for `viewer`: its state, failing settings with the steps that fix each, and whether Check again is theirs. */
export function deviceView(d: EnrolledDevice, viewer: Actor): DeviceView {
  const text = DEVICE_STATE_TEXT[d.state];
  return {
    id: d._id,
    deviceName: d.deviceName,
    platform: PLATFORM_LABELS[d.platform],
    state: d.state,
    stateLabel: text.label,
    tone: text.tone,
    graceEndsAt: d.state === 'inGrace' ? d.graceEndsAt : undefined,
    failing: d.failing.map((setting) => {
      const fix = remediationFor(d.platform, setting);
      return { label: fix.title, fixTitle: fix.title, steps: [...fix.steps], helpUrl: fix.helpUrl ?? '' };
    }),
    requestId: d.requestId,
    owner: d.person.displayName,
    updatedAt: d.updatedAt,
    canCheckAgain: viewer.kind === 'user' && viewer.aadObjectId === d.person.aadObjectId && d.state !== 'retired',
  };
}

/** A person's consents, one per device, with the exact text of the standing version and what IT can see. */
export function consentViews(history: ConsentHistoryView, mayWithdraw: boolean): ConsentView[] {
  const texts = new Map(history.texts.map((t) => [t.sha256, t]));
  return history.devices.map((d) => {
    const standing = d.entries.at(-1);
    const notice = standing && texts.get(standing.textHash);
    const c = dataCollectionFor(d.ownership);
    return {
      requestId: d.requestId,
      reference: d.reference,
      platform: PLATFORM_LABELS[d.platform],
      ownership: d.ownership === 'personal' ? 'Personal' : 'Company',
      status: d.status,
      since: d.since,
      noticeVersion: d.noticeVersion,
      text: notice?.lines.join('\n'),
      entries: d.entries.map((e) => ({ id: e.id, kind: e.kind, at: e.at, noticeVersion: e.noticeVersion, textHash: e.textHash })),
      canWithdraw: mayWithdraw && d.status === 'consented',
      privacy: { canSee: [...c.canSee], sometimes: [...c.sometimes], neverSees: [...c.neverSees] },
    };
  });
}

/** An IT alert. */
export function alertView(a: DeviceAlert): AlertView {
  return {
    id: a._id,
    deviceId: a.deviceId,
    deviceName: a.deviceName,
    person: a.person.displayName,
    platform: PLATFORM_LABELS[a.platform],
    status: a.status,
    statusLabel: ALERT_STATUS_TEXT[a.status],
    failing: a.failing.map((s) => remediationFor(a.platform, s).title),
    graceEndsAt: a.graceEndsAt,
    openedAt: a.openedAt,
    updatedAt: a.updatedAt,
  };
}

/** The published notice versions, newest first, each marked when it is the one in force at `now`. */
export function noticeViews(all: readonly PublishedNotice[], now: Date): NoticeView[] {
  const inForce = new Set<string>();
  for (const ownership of ['personal', 'company'] as const) {
    const current = all.filter((n) => n.ownership === ownership && Date.parse(n.publishedAt) <= now.getTime()).at(-1);
    if (current) inForce.add(current.sha256);
  }
  return [...all].reverse().map((n) => ({
    ownership: n.ownership === 'personal' ? 'Personal' : 'Company',
    version: n.version,
    publishedAt: n.publishedAt,
    summary: n.summary,
    material: n.material,
    sha256: n.sha256,
    inForce: inForce.has(n.sha256),
  }));
}

/** Bars of requests per state, in the workflow's order, leaving out states with none. */
export function requestStateBars(counts: ReadonlyMap<RequestState, number>, order: readonly RequestState[]): ChartBar[] {
  return order.filter((s) => (counts.get(s) ?? 0) > 0).map((s) => ({ key: s, label: REQUEST_STATE_TEXT[s].label, value: counts.get(s) ?? 0 }));
}

/** Bars of devices per state. */
export function deviceStateBars(counts: ReadonlyMap<DeviceState, number>): ChartBar[] {
  return (Object.keys(DEVICE_STATE_TEXT) as DeviceState[]).filter((s) => (counts.get(s) ?? 0) > 0).map((s) => ({ key: s, label: DEVICE_STATE_TEXT[s].label, value: counts.get(s) ?? 0 }));
}

/** Bars of failing settings across devices (a setting counted once per device), most frequent first. */
export function failingSettingBars(devices: readonly Pick<EnrolledDevice, 'platform' | 'failing'>[], top = 8): ChartBar[] {
  const counts = new Map<string, { label: string; value: number }>();
  for (const d of devices) {
    for (const s of new Set(d.failing)) {
      const label = remediationFor(d.platform, s).title;
      const bar = counts.get(label) ?? { label, value: 0 };
      bar.value += 1;
      counts.set(label, bar);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1].value - a[1].value || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([key, b]) => ({ key, label: b.label, value: b.value }));
}

/** A notice campaign's progress, phased as the command line phases it. */
export function campaignProgressView(c: Pick<NoticeCampaign, 'startedAt' | 'deadline' | 'closedAt' | 'fanOut'>, counts: CampaignCounts): CampaignProgressView {
  return {
    phase: c.closedAt ? 'closed' : c.fanOut.done ? 'open' : 'sending',
    startedAt: c.startedAt,
    deadline: c.deadline,
    closedAt: c.closedAt,
    affected: counts.affected,
    told: counts.told,
    answered: counts.answered,
    pending: counts.pending,
    unreachable: counts.unreachable,
    accessRemoved: counts.accessRemoved,
  };
}

/** Compliance over time: one series per device state seen in the snapshots (retired devices left out), oldest day first. */
export function complianceSeries(snapshots: readonly ComplianceSnapshot[]): DailySeriesView {
  const states = (Object.keys(DEVICE_STATE_TEXT) as DeviceState[]).filter((st) => st !== 'retired' && snapshots.some((x) => (x.counts[st] ?? 0) > 0));
  return {
    days: snapshots.map((x) => x._id),
    series: states.map((st) => ({ key: st, label: DEVICE_STATE_TEXT[st].label, values: snapshots.map((x) => x.counts[st] ?? 0) })),
  };
}

/** Time to access over the snapshots' days: requests granted, by time from submission to access, shortest first. */
export function timeToAccessBars(snapshots: readonly ComplianceSnapshot[]): ChartBar[] {
  const total = (key: (typeof TIME_TO_ACCESS_BUCKETS)[number]['key']) => snapshots.reduce((sum, x) => sum + (x.timeToAccess?.[key] ?? 0), 0);
  const bars = TIME_TO_ACCESS_BUCKETS.map((b) => ({ key: b.key, label: b.label, value: total(b.key) }));
  return bars.some((b) => b.value > 0) ? bars : [];
}
