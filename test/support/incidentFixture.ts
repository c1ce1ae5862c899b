import type { Incident } from '../../services/incidents/incidentRepository';
import { incidentTransition, openIncident, type IncidentEvent } from '../../services/workflow/incidentTransition';
import type { PersonRef } from '../../services/workflow/model';

/**
 * A stored incident built by the pure incident core (opened, then `events` by IT Security `by`), for tests that read
 * incidents without carrying out their effects.
 */
export function incidentFixture(o: { id: string; owner: PersonRef; by: PersonRef; deviceId: string; deviceName: string; at: Date; events?: IncidentEvent[] }): Incident {
  const actor = { kind: 'user' as const, aadObjectId: o.by.aadObjectId, displayName: o.by.displayName, roles: ['itSecurity' as const] };
  let core = openIncident(
    { id: o.id, cause: 'lost', owner: o.owner, devices: [{ deviceId: o.deviceId, deviceName: o.deviceName, platform: 'ios', ownership: 'personal' }], summary: 'Left on the train', lastSeen: { when: 'this morning', where: 'the 8:05 train' } },
    o.owner.aadObjectId === o.by.aadObjectId ? { ...actor, roles: [] } : actor,
    o.at,
  ).next;
  // Device actions start and settle as the system (the outbox carries them out); the rest is IT Security's.
  const system = { kind: 'system' as const };
  for (const event of o.events ?? []) core = incidentTransition(core, event, event.type.startsWith('deviceAction') ? system : actor, o.at).next;
  return { ...core, version: 1 + (o.events?.length ?? 0), updatedAt: o.at.toISOString(), auditHead: {} as never, outboxTokens: [] };
}
