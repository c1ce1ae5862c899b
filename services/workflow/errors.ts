/** Named workflow errors; the bot edge turns each into a card the user understands. */

/** The event is not allowed in the request's current state (stale card, double click, finished request). */
export class InvalidTransitionError extends Error {
  constructor(
    readonly requestId: string,
    readonly state: string,
    readonly event: string,
  ) {
    super(`Event ${event} is not allowed for request ${requestId} in state ${state}`);
    this.name = 'InvalidTransitionError';
  }
}

/** The actor may not perform this event on this request. */
export class NotAuthorizedError extends Error {
  constructor(
    readonly requestId: string,
    readonly actorId: string,
    readonly event: string,
  ) {
    super(`Actor ${actorId} may not ${event} request ${requestId}`);
    this.name = 'NotAuthorizedError';
  }
}

/** Input the user gave is not acceptable; `problems` are shown to them as written. */
export class ValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid input: ${problems.join('; ')}`);
    this.name = 'ValidationError';
  }
}

/** Someone else changed the document first (optimistic concurrency). */
export class ConcurrencyError extends Error {
  constructor(
    readonly id: string,
    readonly expectedVersion: number,
  ) {
    super(`Document ${id} changed since version ${expectedVersion}`);
    this.name = 'ConcurrencyError';
  }
}

/** A request or person the action refers to does not exist. */
export class NotFoundError extends Error {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`${kind} ${id} not found`);
    this.name = 'NotFoundError';
  }
}
