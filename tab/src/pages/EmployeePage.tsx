import { Body1 } from '@fluentui/react-components';
import type { TabApi } from '../api';
import { RequestCard } from '../RequestCard';
import { Status } from '../Status';
import { useLoad } from '../useLoad';

/** Employee: my requests, where each stands and the next step. */
export function EmployeePage({ api }: { api: TabApi }) {
  const { data, error, loading } = useLoad(() => api.myRequests(), [api]);
  return (
    <>
      <h2>My device requests</h2>
      <Status loading={loading} error={error} label="your requests" />
      {data && data.requests.length === 0 && <Body1>You have no device requests yet. To ask for one, message the bot: "request device access".</Body1>}
      {data?.requests.map((r) => <RequestCard key={r.id} request={r} />)}
    </>
  );
}
