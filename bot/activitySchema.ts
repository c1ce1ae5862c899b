import { z } from 'zod';

/** Longest id, name or URL the bot accepts in an activity; Teams ids are well under 200 characters. */
const MAX_ID = 1024;

const id = z.string().min(1).max(MAX_ID);
const optionalText = z.string().max(MAX_ID).optional();

const account = z.looseObject({
  id,
  name: optionalText,
  aadObjectId: optionalText,
  role: optionalText,
});

const ref = z.looseObject({ id, name: optionalText });

/**
 * The fields of an incoming activity the bot reads, with their types. Anything else the activity carries passes
 * through untouched; a field of the wrong type (a `serviceUrl` object, `locale: 1.5`, `aadObjectId: false`, an
 * array where an object belongs) is refused at the edge instead of failing deep inside a turn, and a value that
 * reaches a database filter is always a string.
 */
export const activitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  id: optionalText,
  name: optionalText,
  channelId: optionalText,
  serviceUrl: z.string().min(1).max(2048),
  from: account,
  recipient: account,
  conversation: z.looseObject({
    id,
    conversationType: optionalText,
    tenantId: optionalText,
    isGroup: z.boolean().optional(),
    name: z.string().max(MAX_ID).optional(),
  }),
  locale: z.string().max(64).optional(),
  text: z.string().optional(),
  replyToId: optionalText,
  value: z.record(z.string(), z.unknown()).optional(),
  channelData: z
    .looseObject({
      tenant: z.looseObject({ id }).optional(),
      team: ref.optional(),
      channel: ref.optional(),
    })
    .optional(),
  membersAdded: z.array(account).optional(),
  membersRemoved: z.array(account).optional(),
  attachments: z.array(z.looseObject({ contentType: z.string().max(MAX_ID) })).optional(),
  entities: z.array(z.looseObject({ type: z.string().max(MAX_ID) })).optional(),
});

/** An activity whose read fields have the right types. */
export type CheckedActivity = z.infer<typeof activitySchema>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Whether a service URL may receive the bot's replies: http or https only, and in local mode (no app id, so no
 * token binds the URL to the Bot Framework) only a loopback host, so an unauthenticated caller cannot point
 * replies and stored references at another machine.
 */
export function isAcceptedServiceUrl(serviceUrl: string, localOnly: boolean): boolean {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  return !localOnly || LOOPBACK.has(url.hostname.toLowerCase());
}

/** The tenant an activity comes from (Teams puts it in channelData; some activities only in the conversation). */
export function tenantOf(activity: { channelData?: unknown; conversation?: { tenantId?: unknown } }): string | undefined {
  const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  const t = fromChannelData ?? activity.conversation?.tenantId;
  return typeof t === 'string' ? t : undefined;
}
