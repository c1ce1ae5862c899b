import assert from 'node:assert/strict';
import { NOT_YOURS_TEXT, renderNotYoursCard } from '../../../cards/notYoursCard';
import { Verb } from '../../../cards/verbs';
import { allActions, cardProblems } from './cardValidation';

describe('not-yours card', () => {
  const card = renderNotYoursCard();
  const json = JSON.stringify(card);

  it('when parsed by adaptivecards at 1.5, then there are no parse or validation events and no binding is left', () => {
    assert.deepEqual(cardProblems(card), []);
    assert.equal(card.version, '1.5');
    assert.ok(!json.includes('${'));
  });

  it('when rendered, then it shows only the fixed wording and a My status button with no request id', () => {
    assert.match(json, new RegExp(NOT_YOURS_TEXT.title));
    const actions = allActions(card).filter((a) => a.type === 'Action.Execute');
    assert.deepEqual(actions.map((a) => a.data), [{ verb: Verb.RequestStatus }]);
    assert.deepEqual((actions[0].fallback as { data: unknown }).data, { verb: Verb.RequestStatus });
  });
});
