import { randomUUID } from 'node:crypto';
import { ActivityTypes, CardFactory, type BotState, type TurnContext } from 'botbuilder';
import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import type { BotCards } from './botCards';
import type { Logger } from './logger';

/** The database did not answer in time (or at all); the person is told the service is briefly unavailable. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The database is unavailable', { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** Whether an error (or what caused it) means the database could not be reached, rather than a fault of the turn. */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let err = e, depth = 0; err && depth < 5; err = (err as { cause?: unknown }).cause, depth++) {
    if (
      err instanceof DatabaseUnavailableError ||
      err instanceof MongoServerSelectionError ||
      err instanceof MongoNetworkError ||
      err instanceof MongoTopologyClosedError ||
      err instanceof MongoNotConnectedError
    ) {
      return true;
    }
  }
  return false;
}

/** Turn-state key: the person was already told during this turn that the service is briefly unavailable. */
export const UNAVAILABLE_TOLD = Symbol('unavailableTold');

/** What the person is told when the database is briefly unreachable: plain words, what is safe, what to do. */
export const UNAVAILABLE_MESSAGE = {
  title: 'Device Onboarding is briefly unavailable',
  text: 'Nothing you already did is lost: every answer and decision the bot confirmed is saved. Please send your message or press the button again in a minute or two.',
} as const;

/** The card for a failed turn: the database message when it was unreachable, otherwise an error with a reference id. */
export function failureCard(cards: BotCards, e: unknown, referenceId: string, otherwise: string) {
  return isDatabaseUnavailable(e) ? cards.message(UNAVAILABLE_MESSAGE.title, UNAVAILABLE_MESSAGE.text, 'warning') : cards.error(referenceId, otherwise);
}

/**
 * The adapter's `onTurnError`: logs one line with a reference id, tells the person first (a message that cannot
 * depend on the database, which may be what failed), and only then clears the conversation's dialog state, best
 * effort, so a dialog stuck on a failed step does not fail again on the next message.
 */
export function createTurnErrorHandler(deps: { conversationState: BotState; cards: BotCards; logger: Logger }) {
  return async (context: TurnContext, error: unknown): Promise<void> => {
    const referenceId = randomUUID().slice(0, 8);
    const unavailable = isDatabaseUnavailable(error);
    deps.logger.error(
      { err: unavailable ? { name: (error as Error)?.name } : error, referenceId, databaseUnavailable: unavailable, activityType: context.activity.type, correlationId: context.turnState.get('correlationId') },
      'turn failed',
    );
    const card = failureCard(deps.cards, error, referenceId, 'Something went wrong on our side. Please try again.');
    try {
      if (context.turnState.get(UNAVAILABLE_TOLD)) {
        // Already told while the turn was still waiting on the database.
      } else if (context.activity.type === 'message') {
        await context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
      } else if (context.activity.type === 'invoke' && context.activity.name === 'adaptiveCard/action') {
        // A card action is answered in the invoke response (else Teams shows "Unable to reach app").
        await context.sendActivity({
          type: ActivityTypes.InvokeResponse,
          value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
        });
      }
    } catch (e) {
      deps.logger.error({ err: e, referenceId }, 'could not report the failure to the user');
    }
    if (unavailable) return; // Nothing to clean up that the database could take now; the dialog resumes later.
    try {
      await deps.conversationState.delete(context);
    } catch (e) {
      deps.logger.warn({ err: e, referenceId }, 'could not clear the dialog state after a failed turn');
    }
  };
}
