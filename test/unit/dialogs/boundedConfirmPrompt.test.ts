import assert from 'node:assert/strict';
import { ConversationState, MemoryStorage, TestAdapter, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, type DialogState } from 'botbuilder-dialogs';
import { BoundedConfirmPrompt, MAX_RECOGNIZED_ANSWER } from '../../../dialogs/boundedConfirmPrompt';
import { classifyIntent, MAX_COMMAND_LENGTH } from '../../../dialogs/intent';

/** Asks the question, then sends `answer`; returns the prompt's result, or 'asked again'. */
async function answer(text: string): Promise<boolean | 'asked again'> {
  const state = new ConversationState(new MemoryStorage());
  const dialogs = new DialogSet(state.createProperty<DialogState>('dialogState'));
  dialogs.add(new BoundedConfirmPrompt('confirm'));
  let outcome: boolean | 'asked again' = 'asked again';
  const adapter = new TestAdapter(async (context: TurnContext) => {
    const dc = await dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.prompt('confirm', { prompt: 'Cancel your request?' });
    else if (result.status === DialogTurnStatus.complete) outcome = result.result as boolean;
    await state.saveChanges(context);
  });
  await adapter.send('cancel');
  await adapter.send(text);
  return outcome;
}

describe('BoundedConfirmPrompt', () => {
  const table: [string, boolean | 'asked again'][] = [
    ['yes', true],
    ['Yes.', true],
    ['ok', true],
    ['1', true],
    ['no', false],
    ['Nope', false],
    ['2', false],
    ['<at>Device Onboarding</at> yes', true],
    ['yes, please go ahead and cancel it', true],
    ['what is the weather', 'asked again'],
    ['one hundred '.repeat(300), 'asked again'],
    ['yes'.padEnd(MAX_RECOGNIZED_ANSWER + 1, '!'), 'asked again'],
  ];
  for (const [text, expected] of table) {
    it(`when the answer is ${JSON.stringify(text.slice(0, 40))}${text.length > 40 ? `… (${text.length} characters)` : ''}, then the result is ${expected}`, async () => {
      assert.equal(await answer(text), expected);
    });
  }
});

describe('classifyIntent on long messages', () => {
  it('when a message is longer than a command, then only its beginning is read', () => {
    assert.deepEqual(classifyIntent(`status ${'x'.repeat(MAX_COMMAND_LENGTH * 20)}`), { kind: 'status' });
    assert.deepEqual(classifyIntent(`${'x '.repeat(MAX_COMMAND_LENGTH)} status`), { kind: 'unknown' });
  });
});
