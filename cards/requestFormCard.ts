/**
 * The request form (OP-PROC-002 step 1). Shown again with the employee's values and the server's messages when
 * validation fails, so nothing typed is lost.
 */
import { PLATFORMS, PLATFORM_LABELS, type DeviceDetails } from '../services/workflow/model';
import { actionData } from './cardHelpers';
import { escapeCardText, neutralizeTemplateSyntax } from './escape';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/requestForm.json';
import { InputId, Verb } from './verbs';

const cardTemplate = compileTemplate('requestForm', template);

/** Input for the request form. */
export interface RequestFormCardInput {
  /** Values to put back in the inputs (after a failed submit). */
  values?: Partial<DeviceDetails>;
  /** Server-side validation messages, shown at the top. */
  errors?: string[];
}

// Input values are plain text, not markdown, so they are not escaped (that would change what the person typed);
// only template syntax is broken so a value can never read as a binding.
const prefill = (v: string | undefined) => neutralizeTemplateSyntax(v ?? '');

/** Renders the request form: platform, ownership, model, justification; Submit and Cancel. */
export function renderRequestFormCard(input: RequestFormCardInput = {}): AdaptiveCard {
  const v = input.values ?? {};
  return cardTemplate.render({
    inputs: {
      platform: InputId.Platform,
      ownership: InputId.Ownership,
      model: InputId.Model,
      justification: InputId.Justification,
    },
    platforms: PLATFORMS.map((p) => ({ title: PLATFORM_LABELS[p], value: p })),
    values: {
      platform: v.platform ?? '',
      ownership: v.ownership ?? '',
      model: prefill(v.model).slice(0, 80),
      justification: prefill(v.justification).slice(0, 500),
    },
    errors: (input.errors ?? []).map((e) => escapeCardText(e, { maxLength: 300 })),
    submit: actionData(Verb.RequestSubmit),
    cancel: actionData(Verb.RequestCancel),
  });
}
