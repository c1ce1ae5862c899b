import type { ConversationReference } from 'botbuilder';
import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './mongoConnection';

/**
 * Two turns can upsert the same new key at once (Teams sends installationUpdate and conversationUpdate together);
 * the loser of the insert race gets a duplicate key error, and its update then simply applies to the winner's
 * document.
 */
async function upsertOnce(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (e) {
    if ((e as { code?: number }).code !== 11000) throw e;
    await write();
  }
}

/** A person's 1:1 conversation with the bot, keyed by their Entra object id. */
export interface UserConversation {
  _id: string;
  /** The Teams user id ("29:…") the bot sees for this person; used in card refresh userIds. */
  teamsUserId?: string;
  tenantId?: string;
  reference: Partial<ConversationReference>;
  source: 'install' | 'turn' | 'created';
  updatedAt: Date;
}

/** A channel of a team the bot was added to. */
export interface ChannelConversation {
  _id: string;
  teamId: string;
  channelId: string;
  teamName?: string;
  channelName?: string;
  tenantId?: string;
  reference: Partial<ConversationReference>;
  updatedAt: Date;
}

/** Options of the repository. */
export interface ConversationReferenceOptions {
  /** How long a written reference is trusted from memory before it is compared with the database again. */
  cacheMs?: number;
  clock?: () => number;
}

/** What makes two stored references the same, ignoring when and how they were captured. */
function fingerprint(doc: { reference: unknown; teamsUserId?: string; tenantId?: string; teamName?: string; channelName?: string }): string {
  return JSON.stringify([doc.reference, doc.teamsUserId ?? null, doc.tenantId ?? null, doc.teamName ?? null, doc.channelName ?? null]);
}

/** Stable key order, so a reference read back from the database compares equal to the one captured. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** Bound on remembered fingerprints; beyond it the memory starts over (each entry is re-checked once). */
const MAX_REMEMBERED = 50_000;

/**
 * Conversation references, captured on install, on conversation updates and on turns, and looked up by AAD object
 * id (never by scanning every installation). A reference is written only when it differs from the stored one: the
 * last written value per key is remembered, checked against the database on first use and again after `cacheMs`
 * (another instance may have changed or forgotten it), so an ordinary turn costs no write.
 */
export class ConversationReferenceRepository {
  private readonly users: Collection<UserConversation>;
  private readonly channels: Collection<ChannelConversation>;
  private readonly written = new Map<string, { fingerprint: string; at: number }>();
  private readonly cacheMs: number;
  private readonly clock: () => number;

  constructor(db: Db, options: ConversationReferenceOptions = {}) {
    this.users = db.collection<UserConversation>(COLLECTIONS.conversationReferences);
    this.channels = db.collection<ChannelConversation>(COLLECTIONS.channels);
    this.cacheMs = options.cacheMs ?? 600_000;
    this.clock = options.clock ?? Date.now;
  }

  private remembered(key: string, print: string): boolean {
    const hit = this.written.get(key);
    return Boolean(hit && hit.fingerprint === print && this.clock() - hit.at < this.cacheMs);
  }

  private remember(key: string, print: string) {
    if (this.written.size >= MAX_REMEMBERED) this.written.clear();
    this.written.set(key, { fingerprint: print, at: this.clock() });
  }

  /**
   * Stores the person's latest 1:1 reference. Returns 'written', 'unchanged' (nothing to write) or 'refused': the
   * stored reference belongs to another Teams user id, which an activity claiming this Entra id must not replace.
   */
  async saveUser(
    aadObjectId: string,
    reference: Partial<ConversationReference>,
    source: UserConversation['source'],
    teamsUserId?: string,
    tenantId?: string,
  ): Promise<'written' | 'unchanged' | 'refused'> {
    const { activityId: _ignored, ...stable } = reference;
    const fields = { reference: canonical(stable) as Partial<ConversationReference>, ...(teamsUserId ? { teamsUserId } : {}), ...(tenantId ? { tenantId } : {}) };
    const key = `user:${aadObjectId}`;
    const print = fingerprint(fields);
    if (this.remembered(key, print)) return 'unchanged';
    const stored = await this.users.findOne({ _id: aadObjectId });
    if (stored && fingerprint({ ...stored, reference: canonical(stored.reference) }) === print) {
      this.remember(key, print);
      return 'unchanged';
    }
    if (stored?.teamsUserId && teamsUserId && stored.teamsUserId !== teamsUserId) return 'refused';
    await upsertOnce(() => this.users.updateOne({ _id: aadObjectId }, { $set: { ...fields, source, updatedAt: new Date() } }, { upsert: true }));
    this.remember(key, print);
    return 'written';
  }

  /** The person's 1:1 conversation, if the bot has one. */
  async findUser(aadObjectId: string): Promise<UserConversation | null> {
    return this.users.findOne({ _id: aadObjectId });
  }

  /** Forgets a reference Teams no longer accepts (403/404), so the next send re-creates it. */
  async forgetUser(aadObjectId: string) {
    this.written.delete(`user:${aadObjectId}`);
    await this.users.deleteOne({ _id: aadObjectId });
  }

  /** Stores a channel reference (the bot was added to its team, or IT wrote in it); returns whether it wrote. */
  async saveChannel(c: Omit<ChannelConversation, '_id' | 'updatedAt'>): Promise<boolean> {
    const { activityId: _ignored, ...stable } = c.reference;
    const reference = canonical({ ...stable, conversation: { ...stable.conversation!, id: c.channelId } }) as Partial<ConversationReference>;
    const id = `${c.teamId}|${c.channelId}`;
    const key = `channel:${id}`;
    const print = fingerprint({ ...c, reference });
    if (this.remembered(key, print)) return false;
    const stored = await this.channels.findOne({ _id: id });
    if (stored && fingerprint({ ...stored, reference: canonical(stored.reference) }) === print) {
      this.remember(key, print);
      return false;
    }
    await upsertOnce(() => this.channels.updateOne({ _id: id }, { $set: { ...c, reference, updatedAt: new Date() } }, { upsert: true }));
    this.remember(key, print);
    return true;
  }

  /** A channel by team and channel id. */
  async findChannel(teamId: string, channelId: string): Promise<ChannelConversation | null> {
    return this.channels.findOne({ _id: `${teamId}|${channelId}` });
  }
}
