import { Body1, Field, Select } from '@fluentui/react-components';
import { useState } from 'react';
import type { TabApi } from '../api';
import { RequestCard } from '../RequestCard';
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

/** IT Security: requests by state. */
export function ItPage({ api }: { api: TabApi }) {
  const [state, setState] = useState('pendingItReview');
  const { data, error, loading } = useLoad(() => api.itRequests(state), [api, state]);
  return (
    <>
      <h2>Device requests</h2>
      <Field label="Show requests that are">
        <Select value={state} onChange={(_, d) => setState(d.value)}>
          {Object.entries(LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </Select>
      </Field>
      <Status loading={loading} error={error} label="requests" />
      {data && <Body1 aria-live="polite">{data.requests.length === 0 ? 'No requests in this state.' : `${data.requests.length} request${data.requests.length === 1 ? '' : 's'}`}</Body1>}
      {data?.requests.map((r) => <RequestCard key={r.id} request={r} showRequester />)}
    </>
  );
}
