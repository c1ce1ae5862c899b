import type { NotifyTopic, OnboardingRequest } from '../workflow/model';

/** Adaptive Card JSON. */
export type CardJson = Record<string, unknown>;

/**
 * The cards the workflow sends, as a seam between the use cases and the card templates (cards/), so the
 * service never builds card JSON itself and tests can assert on what was sent.
 */
export interface OnboardingViews {
  requestStatus(request: OnboardingRequest): CardJson;
  approval(request: OnboardingRequest, viewer: 'approver' | 'other', refreshUserIds: string[]): CardJson;
  it(request: OnboardingRequest, viewer: 'it' | 'other'): CardJson;
  consent(request: OnboardingRequest): CardJson;
  enrollment(request: OnboardingRequest): CardJson;
  compliance(request: OnboardingRequest): CardJson;
  notice(request: OnboardingRequest, topic: NotifyTopic, audience: 'requester' | 'approver' | 'it'): CardJson;
}
