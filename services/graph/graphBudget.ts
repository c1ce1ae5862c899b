/**
 * How long a Graph call may take when someone is waiting for it. A user's turn (above all a card action,
 * which Teams abandons after about 15 s with "Unable to reach app") runs inside `withGraphBudget`; every Graph
 * call made in it, however deep, ends by the turn's deadline: the retry middleware shortens its per-attempt
 * timeout to what is left and gives up rather than wait out a `Retry-After` that does not fit.
 *
 * The deadline travels with the async context (AsyncLocalStorage), so no service signature carries it. Work
 * that a turn starts and leaves running (effects drained in the background) must not inherit it: the budget
 * closes when the turn's work settles, and `outsideGraphBudget` detaches work explicitly.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Budget {
  deadline: number;
  open: boolean;
}

const budgets = new AsyncLocalStorage<Budget>();

/** Runs `work` so that every Graph call it makes ends within `ms` from now. */
export async function withGraphBudget<T>(ms: number, work: () => Promise<T>, now: () => number = Date.now): Promise<T> {
  const budget: Budget = { deadline: now() + ms, open: true };
  try {
    return await budgets.run(budget, work);
  } finally {
    budget.open = false;
  }
}

/** Runs `work` detached from any turn's budget (background work started from a turn). */
export function outsideGraphBudget<T>(work: () => T): T {
  return budgets.exit(work);
}

/** The deadline (epoch ms) of the turn a Graph call is made in; undefined outside a turn. */
export function currentGraphDeadline(): number | undefined {
  const budget = budgets.getStore();
  return budget?.open ? budget.deadline : undefined;
}
