import assert from 'node:assert/strict';
import { incidentDetail, incidentListItem } from '../../../bot/tabIncidentsApi';
import { incidentFixture } from '../../support/incidentFixture';

const alex = { aadObjectId: 'u-alex', displayName: 'Alex Wilber' };
const lynne = { aadObjectId: 'u-lynne', displayName: 'Lynne Robbins' };
const at = new Date('2026-11-30T09:00:00.000Z');

describe("the tab's incident views", () => {
  const incident = incidentFixture({
    id: 'INC-2026-7K3Q2M',
    owner: alex,
    by: lynne,
    deviceId: 'd-1',
    deviceName: "Alex's iPhone",
    at,
    events: [
      { type: 'triage', severity: 'high' },
      { type: 'requestDeviceAction', id: 'a1', action: 'remoteLock', deviceId: 'd-1' },
      { type: 'deviceActionStarted', actionId: 'a1' },
      { type: 'deviceActionSettled', actionId: 'a1', outcome: 'accepted', httpStatus: 204, requestId: 'graph-req-1', verifiedBy: 'response', at: at.toISOString() },
      { type: 'addNote', text: 'Owner called from the station' },
    ],
  });

  it('when listed, then a line shows state, cause, owner, devices, opened and the newest timeline line', () => {
    const line = incidentListItem(incident);
    assert.deepEqual(
      { id: line.id, state: line.state, cause: line.causeLabel, severity: line.severity, owner: line.owner, devices: line.devices, openedAt: line.openedAt },
      { id: 'INC-2026-7K3Q2M', state: 'contained', cause: 'Lost device', severity: 'high', owner: 'Alex Wilber', devices: ["Alex's iPhone"], openedAt: at.toISOString() },
    );
    assert.equal(line.lastLine?.text, incident.timeline.at(-1)?.text);
  });

  it('when opened, then the device action shows what Graph answered, with the timeline and notes', () => {
    const detail = incidentDetail(incident);
    assert.deepEqual(detail.actions.map((a) => [a.actionLabel, a.deviceName, a.status, a.result?.httpStatus, a.result?.requestId]), [['Remote lock', "Alex's iPhone", 'accepted', 204, 'graph-req-1']]);
    assert.deepEqual(detail.notes.map((n) => [n.by, n.text]), [['Lynne Robbins', 'Owner called from the station']]);
    assert.equal(detail.timeline.length, incident.timeline.length);
    assert.deepEqual(detail.lastSeen, { when: 'this morning', where: 'the 8:05 train' });
  });
});
