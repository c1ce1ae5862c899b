/**
 * "What can IT see on my phone?" (privacy SOP §5): what IT can, may and can never see, from the notice in force for
 * the person's kind of device, what differs on their platform, and Microsoft's own page for employees.
 */
import type { TransparencyAnswer } from '../services/content/transparency';
import { PLATFORM_LABELS } from '../services/workflow/model';
import { actionData, cardDate, ownershipLabel } from './cardHelpers';
import { compileTemplate, type AdaptiveCard } from './renderTemplate';
import template from './templates/transparency.json';
import { Verb } from './verbs';

const cardTemplate = compileTemplate('transparency', template);

/** Input for the transparency card: one answer for a known device, or one per ownership. */
export interface TransparencyCardInput {
  answers: TransparencyAnswer[];
  transparencyUrl: string;
}

const bullets = (items: readonly string[]) => items.map((i) => `- ${i}`).join('\r');

/** Renders what IT can see, per ownership and platform. */
export function renderTransparencyCard(input: TransparencyCardInput): AdaptiveCard {
  const single = input.answers.length === 1 ? input.answers[0] : undefined;
  const device = (a: TransparencyAnswer) => `${a.platform ? `${PLATFORM_LABELS[a.platform]}, ` : ''}${ownershipLabel(a.ownership).toLowerCase()}`;
  return cardTemplate.render({
    heading: single ? `What IT can see on your device (${device(single)})` : 'What IT can see on your device',
    intro: single
      ? 'This is from the privacy notice in force for your kind of device.'
      : 'It depends on who owns the device. This is from the privacy notice in force for each kind.',
    answers: input.answers.map((a) => ({
      title: single ? undefined : `${ownershipLabel(a.ownership)} device`,
      sections: [
        { heading: 'IT can see', text: bullets(a.canSee) },
        { heading: 'IT may see in some cases', text: bullets(a.sometimes) },
        ...(a.platformNotes.length ? [{ heading: `On ${a.platform ? PLATFORM_LABELS[a.platform] : 'this platform'}`, text: bullets(a.platformNotes) }] : []),
        { heading: 'IT can never see', text: bullets(a.neverSees) },
      ].filter((s) => s.text),
      source: `Notice version ${a.notice.version}, published ${cardDate(a.notice.publishedAt)}`,
    })),
    transparencyUrl: input.transparencyUrl,
    privacy: actionData(Verb.PrivacyShow),
    history: actionData(Verb.ConsentHistory),
  });
}
