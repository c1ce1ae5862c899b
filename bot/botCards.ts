import type { OnboardingRequest, DeviceDetails } from '../services/workflow/model';
import type { CardJson, OnboardingViews } from '../services/onboarding/views';
import type { DirectoryUser } from '../services/graph/graphTypes';

/** Every card the bot edge shows: the workflow's views plus the conversational ones. */
export interface BotCards extends OnboardingViews {
  welcome(displayName: string, openRequest?: OnboardingRequest | null): CardJson;
  requestForm(values?: Partial<DeviceDetails>, errors?: string[]): CardJson;
  privacy(): CardJson;
  lookup(person: DirectoryUser, requests: OnboardingRequest[]): CardJson;
  message(title: string, text: string, tone?: 'good' | 'warning' | 'attention' | 'default'): CardJson;
  error(referenceId: string, message: string): CardJson;
  /** For someone with no part in the request: says only that it is not theirs. */
  notYours(): CardJson;
}
