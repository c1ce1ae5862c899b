import assert from 'node:assert/strict';
import { renderConsentCard } from '../../../cards/consentCard';
import { FIXTURE_REQUESTS } from '../../../cards/fixtures';
import { notificationFor } from '../../../cards/notificationCard';
import { renderRequestStatusCard } from '../../../cards/requestStatusCard';
import { consentTextFor } from '../../../services/content/consentText';
import type { ApproverSource, OnboardingRequest, PersonRef } from '../../../services/workflow/model';

const megan: PersonRef = { aadObjectId: 'u-megan', displayName: 'Megan Bowen' };
const dana: PersonRef = { aadObjectId: 'u-dana', displayName: 'Dana Lee' };
const patti: PersonRef = { aadObjectId: 'u-patti', displayName: 'Patti Fernandez' };
const lynne: PersonRef = { aadObjectId: 'u-lynne', displayName: 'Lynne Robbins' };

/** A decided request: who decided, from which routing, on whose behalf. */
function decided(outcome: 'approved' | 'denied', by: PersonRef, source: ApproverSource, onBehalfOf?: PersonRef, delegatedFrom?: PersonRef): OnboardingRequest {
  const base = FIXTURE_REQUESTS.awaitingConsent as unknown as OnboardingRequest;
  return {
    ...base,
    state: outcome === 'approved' ? 'awaitingConsent' : 'denied',
    approvers: [by],
    approverSource: source,
    approval: { assignedAt: base.createdAt, reminders: [], handovers: [], ...(delegatedFrom ? { onBehalfOf: delegatedFrom } : {}) },
    decision: { outcome, by, at: base.createdAt, ...(onBehalfOf ? { onBehalfOf } : {}), ...(outcome === 'denied' ? { reason: 'No' } : {}) },
  };
}

describe("the employee's words for who decided", () => {
  const table: [string, OnboardingRequest, RegExp, RegExp][] = [
    ['the manager herself', decided('approved', megan, 'manager'), /^Your manager approved request DEV-\w+\./, /^Your manager approved your request\./],
    ['a delegate', decided('approved', dana, 'delegate', megan, megan), /^Dana Lee approved request DEV-\w+ on behalf of your manager Megan Bowen\./, /^Dana Lee approved your request on behalf of your manager Megan Bowen\./],
    [
      'the skip-level manager after an escalation',
      decided('approved', patti, 'skipLevelManager', megan),
      /^Patti Fernandez, your manager's manager, approved request DEV-\w+ on behalf of your manager Megan Bowen\./,
      /^Patti Fernandez, your manager's manager, approved your request on behalf of your manager Megan Bowen\./,
    ],
    ['someone it was reassigned to', decided('approved', lynne, 'reassigned', megan), /^Lynne Robbins approved request DEV-\w+ on behalf of Megan Bowen\./, /^Lynne Robbins approved your request on behalf of Megan Bowen\./],
    ['a fallback approver', decided('approved', patti, 'fallbackGroup'), /^Patti Fernandez approved request DEV-\w+ \(an approver for people without a manager/, /^Patti Fernandez approved your request \(an approver/],
  ];
  for (const [who, request, notice, consent] of table) {
    it(`when ${who} approved, then the notice and the consent card say so`, () => {
      const n = notificationFor(request, 'approved', 'requester');
      assert.match(n.text, notice);
      const card = JSON.stringify(renderConsentCard(request, consentTextFor(request.device.ownership)));
      assert.match(JSON.parse(card).body.map((b: { text?: string }) => b.text ?? '').join('\n'), new RegExp(consent.source, 'm'));
      if (who !== 'the manager herself') assert.doesNotMatch(`${n.text} ${card}`, /Your manager approved/);
    });
  }

  it('when a delegate denied, then the notice names her and on whose behalf, and the status card keeps the comment as the approver’s', () => {
    const r = { ...decided('denied', dana, 'delegate', megan, megan), decision: { ...decided('denied', dana, 'delegate', megan, megan).decision!, comment: 'Ask again in January' } };
    assert.match(notificationFor(r, 'denied', 'requester').text, /^Dana Lee did not approve request DEV-\w+ on behalf of your manager Megan Bowen\. Their reason:/);
    const status = JSON.stringify(renderRequestStatusCard(r, { now: r.createdAt }));
    assert.match(status, /Dana Lee on behalf of Megan Bowen/);
    assert.match(status, /Comment from the approver/);
    assert.doesNotMatch(status, /Comment from your manager/);
  });

  it('when a request went to a delegate, then the employee is told who decides and for whom', () => {
    const r = { ...decided('approved', dana, 'delegate', megan, megan), decision: undefined, state: 'pendingApproval' as const };
    assert.match(notificationFor(r, 'submitted', 'requester').text, /went to Dana Lee, who decides on behalf of your manager Megan Bowen while they are away, for approval/);
  });
});
