/**
 * The enrollment instructions (OP-PROC-002 step 3) for the request's platform and ownership, with the deadline.
 */
import { enrollmentInstructionsFor } from '../services/content/enrollmentInstructions';
import { PLATFORM_LABELS, type OnboardingRequest } from '../services/workflow/model';
import { actionData, cardDateTime, ownershipLabel } from './cardHelpers';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/enrollment.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('enrollment', template);

/** Renders the enrollment steps, the deadline if set, store links and "I've enrolled". */
export function renderEnrollmentCard(request: OnboardingRequest): AdaptiveCard {
  const r = request;
  const how = enrollmentInstructionsFor(r.device.platform, r.device.ownership);
  return cardTemplate.render({
    title: `Enroll your ${PLATFORM_LABELS[r.device.platform]} device`,
    subtitle: `Reference ${r.reference} · ${ownershipLabel(r.device.ownership)} · ${how.method}`,
    summary: how.summary,
    steps: how.steps.map((text, i) => ({ number: i + 1, text })),
    deadline: r.enrollmentDeadline ? `Please finish by ${cardDateTime(r.enrollmentDeadline)}. After that the request expires and you would need to start again.` : undefined,
    // "I've enrolled" only while the bot is still waiting on the device (the states that accept enrollmentReported).
    canReport: r.state === 'awaitingEnrollment' || r.state === 'nonCompliant' || r.state === 'complianceUndetermined',
    done: actionData(Verb.EnrollmentDone, r),
    links: how.links,
  });
}
