import assert from 'node:assert/strict';
import { createBotCards } from '../../../bot/cardViews';
import { FIXTURE_CONSENT_HISTORY, FIXTURE_MY_DATA, FIXTURE_TRANSPARENCY } from '../../../cards/consentFixtures';
import { renderConsentCard } from '../../../cards/consentCard';
import { FIXTURE_REQUESTS } from '../../../cards/fixtures';
import { renderMyConsentsCard } from '../../../cards/myConsentsCard';
import { renderMyDataCard } from '../../../cards/myDataCard';
import { renderTransparencyCard } from '../../../cards/transparencyCard';
import { renderWelcomeCard } from '../../../cards/welcomeCard';
import { Verb } from '../../../cards/verbs';
import { consentTextFor, sha256Hex } from '../../../services/content/consentText';
import { allActions } from './cardValidation';

describe('consent cards', () => {
  it('when a person looks at their consents, then each text behind its button rebuilds exactly the hashed text', () => {
    const card = renderMyConsentsCard({ history: FIXTURE_CONSENT_HISTORY });
    const shows = allActions(card).filter((a) => a.type === 'Action.ShowCard') as { card: { body: { text: string; spacing: string }[] } }[];
    assert.equal(shows.length, FIXTURE_CONSENT_HISTORY.texts.length);
    for (const [i, show] of shows.entries()) {
      const blocks = show.card.body.slice(0, -1);
      const rebuilt = blocks.flatMap((t, j) => (j > 0 && t.spacing === 'Medium' ? ['', t.text] : [t.text])).join('\n');
      assert.equal(sha256Hex(rebuilt), FIXTURE_CONSENT_HISTORY.texts[i].sha256);
    }
    const json = JSON.stringify(card);
    assert.match(json, /Withdrew consent/);
    assert.match(json, /text not in the published notices/);
  });

  it('when a person asks for their data, then the card links to the signed download', () => {
    const urls = allActions(renderMyDataCard(FIXTURE_MY_DATA)).filter((a) => a.type === 'Action.OpenUrl').map((a) => a.url);
    assert.ok(urls.includes(FIXTURE_MY_DATA.downloadUrl));
  });

  it('when the device is a company Android phone, then the work profile note is shown; when unknown, both ownerships are', () => {
    assert.match(JSON.stringify(renderTransparencyCard(FIXTURE_TRANSPARENCY['android company'])), /work profile/);
    const both = JSON.stringify(renderTransparencyCard(FIXTURE_TRANSPARENCY['unknown device']));
    assert.match(both, /Personal device/);
    assert.match(both, /Company-owned device/);
  });

  it('when the welcome and consent cards are shown, then they lead to what IT can see', () => {
    assert.ok(allActions(renderWelcomeCard({ displayName: 'Megan' })).some((a) => a.verb === Verb.TransparencyShow));
    const consent = renderConsentCard(FIXTURE_REQUESTS.awaitingConsent, consentTextFor('company'), { transparencyUrl: 'https://example.com/what-it-sees' });
    assert.ok(allActions(consent).some((a) => a.type === 'Action.OpenUrl' && a.url === 'https://example.com/what-it-sees'));
    const configured = createBotCards({ transparencyUrl: 'https://intranet.contoso.com/what-it-sees' }).consent(FIXTURE_REQUESTS.awaitingConsent);
    assert.ok(allActions(configured).some((a) => a.url === 'https://intranet.contoso.com/what-it-sees'));
  });
});
