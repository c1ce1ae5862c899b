import {
  ComponentDialog,
  DialogSet,
  DialogTurnStatus,
  WaterfallDialog,
  type DialogState,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { BoundedConfirmPrompt } from './boundedConfirmPrompt';
import type { DelegationPlan } from '../services/onboarding/delegationService';
import { ValidationError } from '../services/workflow/errors';
import { classifyIntent, type Intent } from './intent';

/** What the main dialog hands back to the bot once the conversation step is complete. */
export interface MainDialogResult {
  intent: Intent;
  /** For "cancel" and "withdraw my consent": whether the employee confirmed. */
  confirmed?: boolean;
  /** For "withdraw my consent": the request whose device's consent the question named. */
  requestId?: string;
  /** For "delegate approvals to … until …": what the question named, or why there was no question. */
  delegation?: { plan: DelegationPlan } | { problems: string[] };
}

/** Reads a delegation sentence into the person and days it names, checked against the rules (ValidationError if not). */
export type DelegationPlanner = (context: TurnContext, said: { to: string; when: string }) => Promise<DelegationPlan>;

/** Looks up the consent the employee would withdraw (named in the question). */
export type WithdrawableLookup = (context: TurnContext) => Promise<{ requestId: string; label: string } | null>;

/** Looks up whether the employee has an open request to cancel (reference shown in the prompt). */
export type OpenRequestLookup = (context: TurnContext) => Promise<{ reference: string } | null>;

export const MAIN_DIALOG = 'mainDialog';
const MAIN_WATERFALL = 'mainWaterfall';
const CONFIRM_PROMPT = 'confirmPrompt';

/**
 * Understands a typed message and, for destructive commands, asks for confirmation. The question survives a
 * restart because dialog state lives in MongoDB. It only returns a typed result; the bot acts on it.
 */
export class MainDialog extends ComponentDialog {
  constructor(
    private readonly openRequest: OpenRequestLookup,
    private readonly withdrawable?: WithdrawableLookup,
    private readonly planDelegation?: DelegationPlanner,
  ) {
    super(MAIN_DIALOG);
    this.addDialog(new BoundedConfirmPrompt(CONFIRM_PROMPT));
    this.addDialog(new WaterfallDialog(MAIN_WATERFALL, [this.understand.bind(this), this.finish.bind(this)]));
    this.initialDialogId = MAIN_WATERFALL;
  }

  private async understand(step: WaterfallStepContext) {
    const intent = classifyIntent(step.context.activity.text ?? '');
    (step.values as { intent?: Intent }).intent = intent;
    if (intent.kind === 'withdrawConsent' && this.withdrawable) {
      const target = await this.withdrawable(step.context);
      if (!target) return step.next();
      (step.values as { requestId?: string }).requestId = target.requestId;
      return step.prompt(CONFIRM_PROMPT, {
        prompt: `Withdraw your consent for ${target.label}? Work access from that device ends: an open request is closed, the device leaves the access group, and IT Security is told so it can remove work apps and data from it. Your answer is recorded.`,
      });
    }
    if (intent.kind === 'delegate' && this.planDelegation) {
      // Dates said in words are confirmed in words before anything is saved ("Delegate to Dana Lee from … to …?").
      const values = step.values as { delegation?: MainDialogResult['delegation'] };
      try {
        const plan = await this.planDelegation(step.context, { to: intent.to, when: intent.when });
        values.delegation = { plan };
        return step.prompt(CONFIRM_PROMPT, { prompt: plan.question });
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        values.delegation = { problems: e.problems };
        return step.next();
      }
    }
    if (intent.kind !== 'cancel') return step.next();
    const open = await this.openRequest(step.context);
    if (!open) return step.next();
    return step.prompt(CONFIRM_PROMPT, { prompt: `Cancel your request ${open.reference}? Your manager and IT will see it as cancelled.` });
  }

  private async finish(step: WaterfallStepContext) {
    const intent = (step.values as { intent: Intent }).intent;
    const requestId = (step.values as { requestId?: string }).requestId;
    const delegation = (step.values as { delegation?: MainDialogResult['delegation'] }).delegation;
    const result: MainDialogResult = {
      intent,
      confirmed: typeof step.result === 'boolean' ? step.result : undefined,
      ...(requestId ? { requestId } : {}),
      ...(delegation ? { delegation } : {}),
    };
    return step.endDialog(result);
  }

  /** Runs the dialog for this turn; returns the result when the exchange is complete, undefined while waiting. */
  async runTurn(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<MainDialogResult | undefined> {
    const set = new DialogSet(accessor);
    set.add(this);
    const dc = await set.createContext(context);
    let result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) result = await dc.beginDialog(this.id);
    return result.status === DialogTurnStatus.complete ? (result.result as MainDialogResult) : undefined;
  }
}
