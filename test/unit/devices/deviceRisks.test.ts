import assert from 'node:assert/strict';
import { risksOf } from '../../../services/devices/complianceSweep';
import type { SweptDevice } from '../../../services/graph/intuneSweep';

const device = (patch: Partial<SweptDevice>): SweptDevice => ({ id: 'd1', userId: 'u1', operatingSystem: 'iOS', complianceState: 'compliant', ...patch });

describe('device risks the compliance sweep turns into incidents', () => {
  const table: [string, Partial<SweptDevice>, string[]][] = [
    ['a clean device', { jailBroken: 'False', partnerReportedThreatState: 'secured' }, []],
    ['Intune unsure about a jailbreak', { jailBroken: 'Unknown' }, []],
    ['a jailbroken or rooted device', { jailBroken: 'True' }, ['jailbreak']],
    ['a high threat level', { partnerReportedThreatState: 'highSeverity' }, ['threat']],
    ['a device the partner calls compromised', { partnerReportedThreatState: 'compromised' }, ['threat']],
    ['a medium threat level', { partnerReportedThreatState: 'mediumSeverity' }, []],
    ['both at once', { jailBroken: 'True', partnerReportedThreatState: 'highSeverity' }, ['jailbreak', 'threat']],
    ['fields Graph left out', { jailBroken: null, partnerReportedThreatState: null }, []],
  ];
  for (const [what, patch, causes] of table) {
    it(`when the sweep sees ${what}, then ${causes.length ? causes.join(' and ') : 'no incident'}`, () => {
      assert.deepEqual(
        risksOf(device(patch)).map((r) => r.cause),
        causes,
      );
    });
  }

  it('when the configured threat states include mediumSeverity, then a medium threat opens one too', () => {
    assert.deepEqual(
      risksOf(device({ partnerReportedThreatState: 'mediumSeverity' }), ['mediumSeverity', 'highSeverity']).map((r) => r.cause),
      ['threat'],
    );
  });
});
