import { Body1, Button, Field, Input, makeStyles, Subtitle2, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import type { PersonHit, PersonView, TabApi } from '../api';
import { RequestCard, when } from '../RequestCard';
import { Status } from '../Status';
import { ConsentCard } from './ConsentCard';
import { DeviceCard } from './DeviceCard';

const useStyles = makeStyles({
  form: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'flex-end' },
  hits: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
});

const CHAIN = { intact: 'intact', pending: 'intact so far (newest records still being written)', broken: 'BROKEN' } as const;

/** Find a person by name or address, then see their requests, devices, consents and audit trails (each look-up is logged). */
export function PersonSearch({ api, actions }: { api: TabApi; actions?: (person: PersonView['person']) => React.ReactNode }) {
  const s = useStyles();
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<{ data?: PersonHit[]; error?: Error; loading: boolean }>({ loading: false });
  const [person, setPerson] = useState<{ data?: PersonView; error?: Error; loading: boolean }>({ loading: false });
  const search = (e: FormEvent) => {
    e.preventDefault();
    if (q.trim().length < 2) return;
    setHits({ loading: true });
    setPerson({ loading: false });
    api.searchPeople(q.trim()).then(
      (r) => setHits({ data: r.people, loading: false }),
      (error: Error) => setHits({ error, loading: false }),
    );
  };
  const open = (id: string) => {
    setPerson({ loading: true });
    api.person(id).then(
      (data) => setPerson({ data, loading: false }),
      (error: Error) => setPerson({ error, loading: false }),
    );
  };
  const p = person.data;
  return (
    <>
      <form className={s.form} onSubmit={search} role="search" aria-label="Find a person">
        <Field label="Name or email address">
          <Input value={q} onChange={(_, v) => setQ(v.value)} />
        </Field>
        <Button appearance="primary" type="submit">
          Search
        </Button>
      </form>
      <Status loading={hits.loading} error={hits.error} label="people" />
      {hits.data && hits.data.length === 0 && <Body1>Nobody found.</Body1>}
      {hits.data && hits.data.length > 0 && (
        <div className={s.hits} aria-label="People found" role="group">
          {hits.data.map((h) => (
            <Button key={h.aadObjectId} onClick={() => open(h.aadObjectId)}>
              {h.displayName}
              {h.mail ? ` (${h.mail})` : ''}
              {h.source === 'directory' ? ', directory' : ''}
            </Button>
          ))}
        </div>
      )}
      <Status loading={person.loading} error={person.error} label="the person's records" />
      {p && (
        <section aria-label={`Records of ${p.person.displayName}`}>
          <h3>{p.person.displayName}</h3>
          {actions?.(p.person)}
          <Subtitle2 as="h4">Requests</Subtitle2>
          {p.requests.length === 0 && <Body1>No requests.</Body1>}
          {p.requests.map((r) => (
            <RequestCard key={r.id} request={r} showRequester />
          ))}
          <Subtitle2 as="h4">Devices</Subtitle2>
          {p.devices.length === 0 && <Body1>No managed devices.</Body1>}
          {p.devices.map((d) => (
            <DeviceCard key={d.id} device={d} showOwner />
          ))}
          <Subtitle2 as="h4">Consents</Subtitle2>
          {p.consents.length === 0 && <Body1>No consent answers.</Body1>}
          {p.consents.map((c) => (
            <ConsentCard key={c.requestId} consent={c} />
          ))}
          <Subtitle2 as="h4">Audit trails</Subtitle2>
          <ul className={s.list}>
            {p.audit.map((a) => (
              <li key={a.requestId}>
                {a.reference}: {a.records} records, chain {CHAIN[a.status]}
                {a.entries.length ? `; last ${a.entries.at(-1)!.event} on ${when(a.entries.at(-1)!.at)}` : ''}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
