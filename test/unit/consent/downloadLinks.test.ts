import assert from 'node:assert/strict';
import { DownloadLinkError, DownloadLinks } from '../../../services/consent/downloadLinks';

const KEY = 'k'.repeat(32);
const LATER = new Date(Date.now() + 60_000);
const refusal = (reason: DownloadLinkError['reason']) => (e: unknown) => e instanceof DownloadLinkError && e.reason === reason;

describe('download links: purposes and claims', () => {
  const evidence = new DownloadLinks(KEY, 'evidence.v1');
  const myData = new DownloadLinks(KEY);
  const claims = { sub: 'u-debra', scope: 'request', id: 'req-1', fmt: 'json' };

  it('when claims are signed, then they come back as signed', () => {
    assert.deepEqual(evidence.verifyClaims(evidence.signClaims(claims, LATER)), claims);
  });

  const refused: [string, () => string, DownloadLinks, DownloadLinkError['reason']][] = [
    ['an evidence token shown as a "my data" link', () => evidence.signClaims(claims, LATER), myData, 'signature'],
    ['a "my data" token shown as an evidence link', () => myData.sign('u-alex', LATER), evidence, 'signature'],
    ['an expired evidence token', () => evidence.signClaims(claims, new Date(Date.now() - 1000)), evidence, 'expired'],
    ['claims altered after signing', () => `${Buffer.from(JSON.stringify({ ...claims, id: 'req-2', exp: 9e9 })).toString('base64url')}.${evidence.signClaims(claims, LATER).split('.')[1]}`, evidence, 'signature'],
    ['a claims token without a person, shown as "my data"', () => myData.signClaims({ scope: 'request' }, LATER), myData, 'malformed'],
  ];
  for (const [name, token, links, reason] of refused) {
    it(`when ${name}, then it is refused (${reason})`, () => {
      assert.throws(() => (links === myData ? links.verify(token()) : links.verifyClaims(token())), refusal(reason));
    });
  }
});
