import assert from 'node:assert/strict';
import { DownloadLinkError, DownloadLinks } from '../../../services/consent/downloadLinks';

const KEY = 'k'.repeat(32);
// A day ahead: mocha loads every file before running any, and a long run must not outlive the links.
const LATER = new Date(Date.now() + 86_400_000);
const refusal = (reason: DownloadLinkError['reason']) => (e: unknown) => e instanceof DownloadLinkError && e.reason === reason;

describe('download links: an evidence link and the other purposes', () => {
  const links = new DownloadLinks(KEY);
  const what = { scope: 'request', id: 'req-1', fmt: 'json' };

  it('when an evidence link is signed, then who asked and what come back as signed', () => {
    assert.deepEqual(links.verifyFor('evidence', links.signFor('evidence', 'u-debra', what, LATER)), { sub: 'u-debra', q: what });
  });

  const refused: [string, () => void, DownloadLinkError['reason']][] = [
    ['an evidence token shown as a "my data" link', () => links.verify(links.signFor('evidence', 'u-debra', what, LATER)), 'signature'],
    ['a "my data" token shown as an evidence link', () => links.verifyFor('evidence', links.sign('u-alex', LATER)), 'signature'],
    ['an expired evidence token', () => links.verifyFor('evidence', links.signFor('evidence', 'u-debra', what, new Date(Date.now() - 1000))), 'expired'],
    [
      'claims altered after signing',
      () => links.verifyFor('evidence', `${Buffer.from(JSON.stringify({ sub: 'u-debra', q: { ...what, id: 'req-2' }, exp: 9e9 })).toString('base64url')}.${links.signFor('evidence', 'u-debra', what, LATER).split('.')[1]}`),
      'signature',
    ],
  ];
  for (const [name, verify, reason] of refused) {
    it(`when ${name}, then it is refused (${reason})`, () => assert.throws(verify, refusal(reason)));
  }
});
