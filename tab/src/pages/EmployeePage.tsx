import { Body1, Button, MessageBar, MessageBarBody } from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError, type TabApi } from '../api';
import { ConsentCard } from '../parts/ConsentCard';
import { DeviceCard } from '../parts/DeviceCard';
import { RequestCard } from '../RequestCard';
import { Status } from '../Status';
import { useLoad } from '../useLoad';

type Note = { text: string; intent: 'success' | 'warning' | 'error' };

/** Employee: my requests, my devices with what to fix, my consents with withdraw, and my data. */
export function EmployeePage({ api }: { api: TabApi }) {
  const requests = useLoad(() => api.myRequests(), [api]);
  const devices = useLoad(() => api.myDevices(), [api]);
  const consents = useLoad(() => api.myConsents(), [api]);
  const [note, setNote] = useState<Note>();
  const withdraw = (requestId: string) => async () => {
    try {
      const o = await api.withdraw(requestId);
      const done = [
        'Your withdrawal is recorded in your consent history.',
        o.requestCancelled ? `Request ${o.reference ?? ''} is closed.` : '',
        o.accessRemoved ? 'The device no longer has work access.' : '',
        o.itTold ? 'IT Security has been told and will remove work apps and data from the device.' : 'Remove the device from management in Company Portal to remove work apps and data.',
      ];
      setNote({ text: done.filter(Boolean).join(' '), intent: 'success' });
    } catch (e) {
      setNote({ text: e instanceof ApiError ? e.message : 'The withdrawal could not be recorded. Try again shortly.', intent: e instanceof ApiError && e.status === 409 ? 'warning' : 'error' });
    }
    consents.reload();
    requests.reload();
  };
  const downloadMyData = async () => {
    try {
      const name = await api.download('/my-data');
      setNote({ text: `Saved ${name}: everything this app stores about you.`, intent: 'success' });
    } catch (e) {
      setNote({ text: (e as Error).message, intent: 'error' });
    }
  };
  return (
    <>
      <div aria-live="polite">
        {note && (
          <MessageBar intent={note.intent}>
            <MessageBarBody>{note.text}</MessageBarBody>
          </MessageBar>
        )}
      </div>
      <h2>My device requests</h2>
      <Status loading={requests.loading} error={requests.error} label="your requests" />
      {requests.data && requests.data.requests.length === 0 && <Body1>You have no device requests yet. To ask for one, message the bot: "request device access".</Body1>}
      {requests.data?.requests.map((r) => <RequestCard key={r.id} request={r} />)}

      <h2>My devices</h2>
      <Status loading={devices.loading} error={devices.error} label="your devices" />
      {devices.data && devices.data.devices.length === 0 && <Body1>No device of yours is managed for work yet. A device appears here once work access is granted.</Body1>}
      {devices.data?.devices.map((d) => <DeviceCard key={d.id} device={d} api={api} onChanged={() => devices.reload()} />)}

      <h2>My consents</h2>
      <Status loading={consents.loading} error={consents.error} label="your consents" />
      {consents.data && consents.data.consents.length === 0 && <Body1>You have not answered a data-collection notice yet.</Body1>}
      {consents.data?.consents.map((c) => <ConsentCard key={`${c.requestId}-${c.status}`} consent={c} onWithdraw={withdraw(c.requestId)} />)}

      <h2>My data</h2>
      <Body1>Download everything this app stores about you: your requests, your consent history with the texts you answered, and the audit records that name you.</Body1>
      <div>
        <Button onClick={() => void downloadMyData()}>Download my data</Button>
      </div>
    </>
  );
}
