import { Body1, Button, Field, makeStyles, Select, Tab, TabList, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { AlertView, DeviceView, RequestView, TabApi } from '../api';
import { BarChart } from '../parts/BarChart';
import { DailyChart } from '../parts/DailyChart';
import { DeviceCard, timeLeft } from '../parts/DeviceCard';
import { Incidents } from '../parts/Incidents';
import { PersonSearch } from '../parts/PersonSearch';
import { RequestCard, when } from '../RequestCard';
import { Status } from '../Status';
import { useLoad } from '../useLoad';

const LABELS: Record<string, string> = {
  pendingItReview: 'Waiting for IT review',
  pendingApproval: 'Waiting for approval',
  awaitingConsent: 'Waiting for consent',
  awaitingEnrollment: 'Waiting for enrollment',
  nonCompliant: 'Needs fixing',
  complianceUndetermined: 'Checking compliance',
  granting: 'Granting access',
  granted: 'Access granted',
  denied: 'Denied',
  cancelled: 'Cancelled',
  consentDeclined: 'Consent declined',
  expired: 'Expired',
};
const DEVICE_LABELS: Record<string, string> = {
  inGrace: 'In grace (noncompliant)',
  accessRemoved: 'Access removed',
  consentWithdrawn: 'Consent withdrawn',
  consentLapsed: 'Consent lapsed (change not accepted)',
  compliant: 'Compliant',
  retired: 'Retired',
};
type View = 'requests' | 'devices' | 'alerts' | 'incidents' | 'people' | 'charts';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto', maxWidth: '100%' },
  charts: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, minWidth: 0 },
  views: { overflowX: 'auto', maxWidth: '100%' },
});

/** A list read a page at a time: the first page on load, the next on "Show more". */
function usePaged<T>(load: (after?: string) => Promise<{ items: T[]; next?: string }>, deps: unknown[]) {
  const [state, setState] = useState<{ items: T[]; next?: string; error?: Error; loading: boolean }>({ items: [], loading: true });
  const more = (after?: string) => {
    setState((s) => ({ ...s, loading: true }));
    load(after).then(
      (page) => setState((s) => ({ items: after ? [...s.items, ...page.items] : page.items, next: page.next, loading: false })),
      (error: Error) => setState((s) => ({ ...s, error, loading: false })),
    );
  };
  useEffect(() => more(), deps);
  return { ...state, more: () => more(state.next) };
}

function RequestsView({ api }: { api: TabApi }) {
  const [state, setState] = useState('pendingItReview');
  const list = usePaged<RequestView>(async (after) => {
    const r = await api.itRequests(state, after);
    return { items: r.requests, next: r.next };
  }, [api, state]);
  return (
    <>
      <Field label="Show requests that are">
        <Select value={state} onChange={(_, d) => setState(d.value)}>
          {Object.entries(LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </Select>
      </Field>
      <Status loading={list.loading} error={list.error} label="requests" />
      {!list.loading && <Body1 aria-live="polite">{list.items.length === 0 ? 'No requests in this state.' : `${list.items.length}${list.next ? '+' : ''} request${list.items.length === 1 ? '' : 's'}`}</Body1>}
      {list.items.map((r) => (
        <RequestCard key={r.id} request={r} showRequester />
      ))}
      {list.next && <Button onClick={list.more}>Show more</Button>}
    </>
  );
}

function DevicesView({ api }: { api: TabApi }) {
  const [state, setState] = useState('inGrace');
  const list = usePaged<DeviceView>((after) => api.itDevices(state, after), [api, state]);
  return (
    <>
      <Field label="Show devices that are">
        <Select value={state} onChange={(_, d) => setState(d.value)}>
          {Object.entries(DEVICE_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </Select>
      </Field>
      <Status loading={list.loading} error={list.error} label="devices" />
      {!list.loading && list.items.length === 0 && <Body1>No devices in this state.</Body1>}
      {list.items.map((d) => (
        <DeviceCard key={d.id} device={d} showOwner />
      ))}
      {list.next && <Button onClick={list.more}>Show more</Button>}
    </>
  );
}

function AlertsView({ api }: { api: TabApi }) {
  const s = useStyles();
  const list = usePaged<AlertView>((after) => api.itAlerts(after), [api]);
  return (
    <>
      <Status loading={list.loading} error={list.error} label="alerts" />
      {!list.loading && list.items.length === 0 && <Body1>No open alerts.</Body1>}
      {list.items.length > 0 && (
        <div className={s.scroll}>
          <Table aria-label="Open alerts" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Person</TableHeaderCell>
                <TableHeaderCell>Device</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell>Failing</TableHeaderCell>
                <TableHeaderCell>Grace ends</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.items.map((a) => (
                <TableRow key={a.id}>
                  <TableCell>{a.person}</TableCell>
                  <TableCell>
                    {a.deviceName} ({a.platform})
                  </TableCell>
                  <TableCell>{a.statusLabel}</TableCell>
                  <TableCell>{a.failing.join('; ')}</TableCell>
                  <TableCell>{a.graceEndsAt ? `${when(a.graceEndsAt)} (${timeLeft(a.graceEndsAt)})` : '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      {list.next && <Button onClick={list.more}>Show more</Button>}
    </>
  );
}

function ChartsView({ api }: { api: TabApi }) {
  const s = useStyles();
  const { data, error, loading } = useLoad(() => api.charts(), [api]);
  return (
    <div className={s.charts}>
      <Status loading={loading} error={error} label="charts" />
      {data && (
        <>
          <BarChart title="Open requests by state" bars={data.requestsByState} empty="No open requests." />
          <BarChart title="Managed devices by compliance" bars={data.devicesByState} empty="No managed devices yet." />
          {data.complianceOverTime && (
            <DailyChart title="Compliance over time (last 30 days)" data={data.complianceOverTime} empty="No daily count yet: the daily digest records one a day from its first run." />
          )}
          {data.timeToAccess && (
            <BarChart title="Time from request to access (granted in the last 30 days)" bars={data.timeToAccess} empty="No request was granted in the days the digest recorded." />
          )}
          <BarChart title="Failing settings across devices" bars={data.failingSettings} empty="No device has a failing setting." />
        </>
      )}
    </div>
  );
}

/** IT Security: requests by state, devices, alerts and incidents, a person's records, and charts. */
export function ItPage({ api }: { api: TabApi }) {
  const s = useStyles();
  const [view, setView] = useState<View>('requests');
  return (
    <>
      <h2>IT Security</h2>
      <div className={s.views}>
        <TabList selectedValue={view} onTabSelect={(_, d) => setView(d.value as View)} aria-label="IT Security views" size="small">
          <Tab value="requests">Requests</Tab>
          <Tab value="devices">Devices</Tab>
          <Tab value="alerts">Alerts</Tab>
          <Tab value="incidents">Incidents</Tab>
          <Tab value="people">People</Tab>
          <Tab value="charts">Charts</Tab>
        </TabList>
      </div>
      {view === 'requests' && <RequestsView api={api} />}
      {view === 'devices' && <DevicesView api={api} />}
      {view === 'alerts' && <AlertsView api={api} />}
      {view === 'incidents' && <Incidents api={api} />}
      {view === 'people' && <PersonSearch api={api} />}
      {view === 'charts' && <ChartsView api={api} />}
    </>
  );
}
