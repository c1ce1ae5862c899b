import { Body1, Button, Field, makeStyles, MessageBar, MessageBarBody, Textarea, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError, type RequestView, type TabApi } from '../api';
import { RequestCard } from '../RequestCard';
import { Status } from '../Status';
import { useLoad } from '../useLoad';

const useStyles = makeStyles({
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'flex-end' },
  reason: { flexGrow: 1, minWidth: '200px' },
});

/** Approve or deny one request, through the same rules as the approval card. */
function Decide({ api, request, onDecided }: { api: TabApi; request: RequestView; onDecided: (message: string, intent: 'success' | 'warning') => void }) {
  const s = useStyles();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const decide = async (decision: 'approve' | 'deny') => {
    if (decision === 'deny' && !reason.trim()) {
      setProblem('Give a reason to deny; the employee sees it.');
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const { request: r } = await api.decide(request.id, { decision, version: request.version, reason: decision === 'deny' ? reason.trim() : undefined });
      onDecided(`${r.reference}: ${r.stateLabel}. ${request.requester} has been told.`, 'success');
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) onDecided(`${request.reference}: ${e.message}`, 'warning');
      else setProblem(e instanceof ApiError && e.problems.length ? e.problems.join(' ') : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className={s.actions}>
      <Field className={s.reason} label={`Reason (needed to deny ${request.reference})`} validationMessage={problem} validationState={problem ? 'error' : 'none'}>
        <Textarea value={reason} onChange={(_, d) => setReason(d.value)} maxLength={500} resize="vertical" />
      </Field>
      <Button appearance="primary" disabled={busy} onClick={() => void decide('approve')}>
        Approve
      </Button>
      <Button disabled={busy} onClick={() => void decide('deny')}>
        Deny
      </Button>
    </div>
  );
}

/** Manager: requests waiting for my decision. */
export function ManagerPage({ api }: { api: TabApi }) {
  const { data, error, loading, reload } = useLoad(() => api.approvals(), [api]);
  const [notice, setNotice] = useState<{ text: string; intent: 'success' | 'warning' }>();
  // Further pages, read on "Show more" after the first (cleared when the list reloads).
  const [more, setMore] = useState<{ requests: RequestView[]; next?: string; for?: unknown }>({ requests: [] });
  const shownMore = more.for === data ? more : { requests: [], next: data?.next };
  const showMore = () => {
    if (!shownMore.next) return;
    api.approvals(shownMore.next).then(
      (page) => setMore({ requests: [...shownMore.requests, ...page.requests], next: page.next, for: data }),
      (e: Error) => setNotice({ text: e.message, intent: 'warning' }),
    );
  };
  return (
    <>
      <h2>Waiting for my approval</h2>
      <div aria-live="polite">
        {notice && (
          <MessageBar intent={notice.intent}>
            <MessageBarBody>{notice.text}</MessageBarBody>
          </MessageBar>
        )}
      </div>
      <Status loading={loading} error={error} label="approvals" />
      {data && data.requests.length === 0 && <Body1>Nothing is waiting for you.</Body1>}
      {[...(data?.requests ?? []), ...shownMore.requests].map((r) => (
        <RequestCard key={`${r.id}-${r.version}`} request={r} showRequester>
          {r.canDecide && (
            <Decide
              api={api}
              request={r}
              onDecided={(text, intent) => {
                setNotice({ text, intent });
                reload();
              }}
            />
          )}
        </RequestCard>
      ))}
      {shownMore.next && <Button onClick={showMore}>Show more</Button>}
    </>
  );
}
