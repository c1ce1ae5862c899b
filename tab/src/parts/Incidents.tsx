import { Body1, Button, Caption1, makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, tokens } from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import type { IncidentListItemView, TabApi } from '../api';
import { when } from '../RequestCard';
import { Status } from '../Status';
import { useLoad } from '../useLoad';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto', maxWidth: '100%' },
  detail: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
});

/** A list of incidents read a page at a time. */
function useIncidentPages(api: TabApi, state: 'open' | 'closed') {
  const [s, set] = useState<{ items: IncidentListItemView[]; next?: string; error?: Error; loading: boolean }>({ items: [], loading: true });
  const load = (after?: string) => {
    set((x) => ({ ...x, loading: true }));
    api.incidents(state, after).then(
      (page) => set((x) => ({ items: after ? [...x.items, ...page.items] : page.items, next: page.next, loading: false })),
      (error: Error) => set((x) => ({ ...x, error, loading: false })),
    );
  };
  useEffect(() => load(), [api, state]);
  return { ...s, more: () => load(s.next) };
}

function IncidentTable({ title, items, onOpen }: { title: string; items: IncidentListItemView[]; onOpen: (id: string) => void }) {
  const s = useStyles();
  return (
    <div className={s.scroll}>
      <Table aria-label={title} size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Incident</TableHeaderCell>
            <TableHeaderCell>State</TableHeaderCell>
            <TableHeaderCell>Cause</TableHeaderCell>
            <TableHeaderCell>Person</TableHeaderCell>
            <TableHeaderCell>Devices</TableHeaderCell>
            <TableHeaderCell>Opened</TableHeaderCell>
            <TableHeaderCell>Latest</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((i) => (
            <TableRow key={i.id}>
              <TableCell>
                <Button appearance="transparent" onClick={() => onOpen(i.id)}>
                  {i.id}
                </Button>
              </TableCell>
              <TableCell>{i.stateLabel}</TableCell>
              <TableCell>
                {i.causeLabel}
                {i.severity ? ` (${i.severity})` : ''}
              </TableCell>
              <TableCell>{i.owner}</TableCell>
              <TableCell>{i.devices.join(', ') || '—'}</TableCell>
              <TableCell>{when(i.openedAt)}</TableCell>
              <TableCell>{i.lastLine ? `${when(i.lastLine.at)}: ${i.lastLine.text}` : '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

function IncidentDetail({ api, id }: { api: TabApi; id: string }) {
  const s = useStyles();
  const heading = useRef<HTMLHeadingElement>(null);
  const { data: i, error, loading } = useLoad(() => api.incident(id), [api, id]);
  useEffect(() => {
    if (i) heading.current?.focus();
  }, [i]);
  return (
    <section className={s.detail} aria-label={`Incident ${id}`}>
      <Status loading={loading} error={error} label="the incident" />
      {i && (
        <>
          <h3 ref={heading} tabIndex={-1}>
            {i.id}: {i.causeLabel}, {i.stateLabel}
          </h3>
          <Body1>
            {i.owner} · opened {when(i.openedAt)} by {i.openedBy}
            {i.severity ? ` · severity ${i.severity}` : ''}
            {i.closedAt ? ` · closed ${when(i.closedAt)}` : ''}
          </Body1>
          {i.summary && <Body1>Reported: {i.summary}</Body1>}
          {i.lastSeen && (
            <Body1>
              Last seen: {i.lastSeen.when}, {i.lastSeen.where}
            </Body1>
          )}
          {i.investigationSummary && <Body1>Findings: {i.investigationSummary}</Body1>}
          {i.resolution && <Body1>Resolution: {i.resolution}</Body1>}
          <h4>Devices</h4>
          <ul className={s.list}>
            {i.devicesDetail.map((d) => (
              <li key={d.deviceId}>
                {d.deviceName} ({d.platform}, {d.ownership}) · Intune id {d.deviceId}
              </li>
            ))}
          </ul>
          <h4>Device actions</h4>
          {i.actions.length === 0 ? (
            <Body1>No device action was taken.</Body1>
          ) : (
            <div className={s.scroll}>
              <Table aria-label="Device actions and what Intune answered" size="small">
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>Action</TableHeaderCell>
                    <TableHeaderCell>Device</TableHeaderCell>
                    <TableHeaderCell>Confirmed by</TableHeaderCell>
                    <TableHeaderCell>Status</TableHeaderCell>
                    <TableHeaderCell>Intune (Graph) answer</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {i.actions.map((a, n) => (
                    <TableRow key={n}>
                      <TableCell>{a.actionLabel}</TableCell>
                      <TableCell>{a.deviceName}</TableCell>
                      <TableCell>
                        {a.requestedBy}, {when(a.requestedAt)}
                      </TableCell>
                      <TableCell>
                        {a.status}
                        {a.attempts > 1 ? ` (${a.attempts} attempts)` : ''}
                      </TableCell>
                      <TableCell>
                        {a.result
                          ? `${a.result.outcome}${a.result.httpStatus ? `, HTTP ${a.result.httpStatus}` : ', seen in the device action results'}${a.result.code ? `, ${a.result.code}` : ''}${a.result.requestId ? `, request id ${a.result.requestId}` : ''}, ${when(a.result.at)}`
                          : 'No answer yet'}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
          )}
          <h4>Corrective actions</h4>
          {i.correctiveActions.length === 0 ? (
            <Body1>None recorded.</Body1>
          ) : (
            <ul className={s.list}>
              {i.correctiveActions.map((c, n) => (
                <li key={n}>
                  {c.text} · {c.owner}, due {c.dueDate}
                </li>
              ))}
            </ul>
          )}
          <h4>Notes</h4>
          {i.notes.length === 0 ? (
            <Body1>No notes.</Body1>
          ) : (
            <ul className={s.list}>
              {i.notes.map((x, n) => (
                <li key={n}>
                  {when(x.at)}, {x.by}: {x.text}
                </li>
              ))}
            </ul>
          )}
          <h4>Timeline</h4>
          <ol className={s.list}>
            {i.timeline.map((t, n) => (
              <li key={n}>
                {when(t.at)}, {t.by}: {t.text}
              </li>
            ))}
          </ol>
          <Caption1>Actions on an incident are taken on its card in the IT channel.</Caption1>
        </>
      )}
    </section>
  );
}

/** IT Security's incidents: open first, then closed, and one incident in full (read-only). */
export function Incidents({ api }: { api: TabApi }) {
  const open = useIncidentPages(api, 'open');
  const closed = useIncidentPages(api, 'closed');
  const [selected, setSelected] = useState<string>();
  return (
    <>
      <h3>Open incidents</h3>
      <Status loading={open.loading} error={open.error} label="open incidents" />
      {!open.loading && !open.error && open.items.length === 0 && <Body1>No open incidents.</Body1>}
      {open.items.length > 0 && <IncidentTable title="Open incidents" items={open.items} onOpen={setSelected} />}
      {open.next && <Button onClick={open.more}>Show more open incidents</Button>}
      {selected && <IncidentDetail api={api} id={selected} />}
      <h3>Closed incidents</h3>
      <Status loading={closed.loading} error={closed.error} label="closed incidents" />
      {!closed.loading && !closed.error && closed.items.length === 0 && <Body1>No closed incidents.</Body1>}
      {closed.items.length > 0 && <IncidentTable title="Closed incidents" items={closed.items} onOpen={setSelected} />}
      {closed.next && <Button onClick={closed.more}>Show more closed incidents</Button>}
    </>
  );
}
