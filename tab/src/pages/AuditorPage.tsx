import { Button, Field, Input, makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import type { AuditView, TabApi } from '../api';
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

/** Auditor: a request's audit trail and its hash-chain verification. */
export function AuditorPage({ api }: { api: TabApi }) {
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
        </section>
      )}
    </>
  );
}
