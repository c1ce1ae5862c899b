import {
  Badge,
  Body1,
  Button,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  tokens,
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import type { AuditView, MeView, NoticeView, TabApi } from '../api';
import { PersonSearch } from '../parts/PersonSearch';
import { useLoad } from '../useLoad';
import { when } from '../RequestCard';
import { Status } from '../Status';

const useStyles = makeStyles({
  form: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'flex-end' },
  scroll: { overflowX: 'auto', maxWidth: '100%' },
  hash: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

const CHAIN: Record<AuditView['chain']['status'], { intent: 'success' | 'warning' | 'error'; title: string }> = {
  intact: { intent: 'success', title: 'Audit trail intact' },
  pending: { intent: 'warning', title: 'Audit trail intact so far; the newest records are still being written' },
  broken: { intent: 'error', title: 'Audit trail broken' },
};

type Note = { text: string; intent: 'success' | 'error' };

/** Saves a file from the API and says what happened. */
function useDownload(api: TabApi) {
  const [note, setNote] = useState<Note>();
  const save = async (path: string) => {
    setNote(undefined);
    try {
      setNote({ text: `Saved ${await api.download(path)}. This download is recorded in the access log.`, intent: 'success' });
    } catch (e) {
      setNote({ text: (e as Error).message, intent: 'error' });
    }
  };
  const shown = (
    <div aria-live="polite">
      {note && (
        <MessageBar intent={note.intent}>
          <MessageBarBody>{note.text}</MessageBarBody>
        </MessageBar>
      )}
    </div>
  );
  return { save, shown };
}

/** The consent export: by person, date range and notice version, as CSV or JSON. */
function ConsentExport({ api }: { api: TabApi }) {
  const s = useStyles();
  const { save, shown } = useDownload(api);
  const [q, setQ] = useState({ person: '', from: '', to: '', noticeVersion: '', format: 'csv' });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v.trim()));
    void save(`/consents/export?${params}`);
  };
  const field = (key: keyof typeof q, label: string, type = 'text') => (
    <Field label={label}>
      <Input type={type as 'text'} value={q[key]} onChange={(_, v) => setQ({ ...q, [key]: v.value })} />
    </Field>
  );
  return (
    <section aria-labelledby="export-heading">
      <h2 id="export-heading">Export consents</h2>
      <form className={s.form} onSubmit={submit}>
        {field('person', 'Person (Entra object id, optional)')}
        {field('from', 'From (date)', 'date')}
        {field('to', 'Before (date)', 'date')}
        {field('noticeVersion', 'Notice version (optional)')}
        <Field label="Format">
          <Select value={q.format} onChange={(_, d) => setQ({ ...q, format: d.value })}>
            <option value="csv">CSV</option>
            <option value="json">JSON</option>
          </Select>
        </Field>
        <Button appearance="primary" type="submit">
          Download export
        </Button>
      </form>
      {shown}
    </section>
  );
}

/** Published notice versions and what changed in each. */
function Notices({ api }: { api: TabApi }) {
  const s = useStyles();
  const { data, error, loading } = useLoad(() => api.notices(), [api]);
  return (
    <section aria-labelledby="notices-heading">
      <h2 id="notices-heading">Notice versions</h2>
      <Status loading={loading} error={error} label="notices" />
      {data && (
        <div className={s.scroll}>
          <Table aria-label="Published notice versions" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Devices</TableHeaderCell>
                <TableHeaderCell>Version</TableHeaderCell>
                <TableHeaderCell>In effect from</TableHeaderCell>
                <TableHeaderCell>What changed</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.notices.map((n) => (
                <TableRow key={n.sha256}>
                  <TableCell>{n.ownership}</TableCell>
                  <TableCell>
                    {n.version} {n.inForce && <Badge appearance="tint" color="success">in force</Badge>} {n.material && <Badge appearance="tint" color="warning">needs consent again</Badge>}
                  </TableCell>
                  <TableCell>{when(n.publishedAt)}</TableCell>
                  <TableCell>{n.summary}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      {data && <Campaigns notices={data.notices} />}
    </section>
  );
}

const PHASE: Record<string, string> = { sending: 'Telling people', open: 'Waiting for answers', closed: 'Closed' };

/** Each version's change-notice campaign: the counts of IT's progress card. */
function Campaigns({ notices }: { notices: NoticeView[] }) {
  const s = useStyles();
  const withCampaign = notices.filter((n) => n.campaign);
  if (!withCampaign.length) return <Body1>No change-notice campaign has been started.</Body1>;
  return (
    <>
      <h3>Campaign progress</h3>
      <div className={s.scroll}>
        <Table aria-label="Notice campaign progress" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Version</TableHeaderCell>
              <TableHeaderCell>Where it stands</TableHeaderCell>
              <TableHeaderCell>Deadline</TableHeaderCell>
              <TableHeaderCell>Told</TableHeaderCell>
              <TableHeaderCell>Answered</TableHeaderCell>
              <TableHeaderCell>Pending</TableHeaderCell>
              <TableHeaderCell>Unreachable</TableHeaderCell>
              <TableHeaderCell>Access removed</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {withCampaign.map(({ campaign: c, ...n }) => (
              <TableRow key={n.sha256}>
                <TableCell>
                  {n.ownership} {n.version}
                </TableCell>
                <TableCell>
                  {PHASE[c!.phase]}
                  {c!.closedAt ? ` (${when(c!.closedAt)})` : ''}
                </TableCell>
                <TableCell>{when(c!.deadline)}</TableCell>
                <TableCell>
                  {c!.told} of {c!.affected}
                </TableCell>
                <TableCell>{c!.answered}</TableCell>
                <TableCell>{c!.pending}</TableCell>
                <TableCell>{c!.unreachable}</TableCell>
                <TableCell>{c!.accessRemoved}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </>
  );
}

/** Auditor: a request's audit trail and its verification, evidence packs, consent exports, people and notices. */
export function AuditorPage({ api, me }: { api: TabApi; me: MeView }) {
  const mayExport = me.permissions.includes('exportEvidence');
  const evidence = useDownload(api);
  const s = useStyles();
  const [reference, setReference] = useState('');
  const [state, setState] = useState<{ data?: AuditView; error?: Error; loading: boolean }>({ loading: false });
  const verify = (e: FormEvent) => {
    e.preventDefault();
    if (!reference.trim()) return;
    setState({ loading: true });
    api.audit(reference.trim()).then(
      (data) => setState({ data, loading: false }),
      (error: Error) => setState({ error, loading: false }),
    );
  };
  const d = state.data;
  return (
    <>
      <h2>Verify a request's audit trail</h2>
      <form className={s.form} onSubmit={verify} role="search">
        <Field label="Request reference (DEV-…) or id">
          <Input value={reference} onChange={(_, v) => setReference(v.value)} />
        </Field>
        <Button appearance="primary" type="submit">
          Verify
        </Button>
      </form>
      <Status loading={state.loading} error={state.error} label="the audit trail" />
      {d && (
        <section aria-label={`Audit trail of ${d.request.reference}`}>
          <MessageBar intent={CHAIN[d.chain.status].intent} role="status">
            <MessageBarBody>
              <MessageBarTitle>{CHAIN[d.chain.status].title}</MessageBarTitle>
              {d.request.reference} ({d.request.requester}, {d.request.stateLabel}): {d.chain.records} records, head at #{d.chain.headSeq}
              {d.chain.firstBrokenSeq !== null ? `; first broken record #${d.chain.firstBrokenSeq}` : ''}.
            </MessageBarBody>
          </MessageBar>
          <div className={s.scroll}>
            <Table aria-label="Audit records" size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>#</TableHeaderCell>
                  <TableHeaderCell>When</TableHeaderCell>
                  <TableHeaderCell>Who</TableHeaderCell>
                  <TableHeaderCell>What</TableHeaderCell>
                  <TableHeaderCell>Step</TableHeaderCell>
                  <TableHeaderCell>Hash</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {d.entries.map((e) => (
                  <TableRow key={e.seq}>
                    <TableCell>{e.seq}</TableCell>
                    <TableCell>{when(e.at)}</TableCell>
                    <TableCell>{e.actor}</TableCell>
                    <TableCell>
                      {e.event}: {e.from ?? 'new'} → {e.to}
                    </TableCell>
                    <TableCell>{e.procedureStep}</TableCell>
                    <TableCell className={s.hash}>{e.hash.slice(0, 12)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          {mayExport && (
            <div className={s.form}>
              <Button onClick={() => void evidence.save(`/evidence/request/${encodeURIComponent(d.request.id)}`)}>Download evidence pack (JSON)</Button>
              <Button onClick={() => void evidence.save(`/evidence/request/${encodeURIComponent(d.request.id)}?format=html`)}>Download evidence summary (HTML)</Button>
            </div>
          )}
          {evidence.shown}
        </section>
      )}
      {me.permissions.includes('lookUpPerson') && (
        <section aria-labelledby="people-heading">
          <h2 id="people-heading">Find a person</h2>
          <PersonSearch
            api={api}
            actions={(p) =>
              mayExport ? (
                <div className={s.form}>
                  <Button onClick={() => void evidence.save(`/evidence/person/${encodeURIComponent(p.aadObjectId)}`)}>Download {p.displayName}'s evidence pack</Button>
                </div>
              ) : (
                <Body1>Evidence packs are for auditors and administrators.</Body1>
              )
            }
          />
        </section>
      )}
      {me.permissions.includes('exportConsents') && <ConsentExport api={api} />}
      {me.permissions.includes('exportConsents') && <Notices api={api} />}
    </>
  );
}
