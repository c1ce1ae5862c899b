import { ConfirmPrompt, type PromptOptions, type PromptRecognizerResult } from 'botbuilder-dialogs';
import type { TurnContext } from 'botbuilder';

/** Longest answer handed to botbuilder's text recognizers; a yes or no is a few words. */
export const MAX_RECOGNIZED_ANSWER = 100;

const YES = /^(?:y|yes|yeah|yep|sure|ok|okay|confirm|yes please|cancel it|1)[.!]?$/i;
const NO = /^(?:n|no|nope|no thanks|keep it|don't|do not|2)[.!]?$/i;

/**
 * A ConfirmPrompt that never lets a long message reach the recognizers: botbuilder's number and choice
 * recognizers backtrack on long inputs (about 3,000 characters of "one hundred " took 22 s of one core, blocking
 * every other user). A plain yes or no is matched first; anything longer than MAX_RECOGNIZED_ANSWER is not an
 * answer and the question is asked again.
 */
export class BoundedConfirmPrompt extends ConfirmPrompt {
  protected override async onRecognize(context: TurnContext, state: object, options: PromptOptions): Promise<PromptRecognizerResult<boolean>> {
    const text = typeof context.activity.text === 'string' ? context.activity.text : '';
    if (text.length > MAX_RECOGNIZED_ANSWER * 4) return { succeeded: false };
    const plain = text.replace(/<at>[^<]{0,200}<\/at>/gi, '').trim();
    if (YES.test(plain)) return { succeeded: true, value: true };
    if (NO.test(plain)) return { succeeded: true, value: false };
    if (plain.length > MAX_RECOGNIZED_ANSWER) return { succeeded: false };
    return super.onRecognize(context, state, options);
  }
}
