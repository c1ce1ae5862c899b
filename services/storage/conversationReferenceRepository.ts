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

/**
 * Conversation references, captured on install, on conversation updates and on every turn, and looked up by
 * AAD object id (never by scanning every installation).
 */
export class ConversationReferenceRepository {
  private readonly users: Collection<UserConversation>;
  private readonly channels: Collection<ChannelConversation>;

  constructor(db: Db) {
    this.users = db.collection<UserConversation>(COLLECTIONS.conversationReferences);
    this.channels = db.collection<ChannelConversation>(COLLECTIONS.channels);
  }

  /** Stores the person's latest 1:1 reference. */
  async saveUser(aadObjectId: string, reference: Partial<ConversationReference>, source: UserConversation['source'], teamsUserId?: string, tenantId?: string) {
    const { activityId: _ignored, ...stable } = reference;
    const set = { reference: stable, source, updatedAt: new Date(), ...(teamsUserId ? { teamsUserId } : {}), ...(tenantId ? { tenantId } : {}) };
    await upsertOnce(() => this.users.updateOne({ _id: aadObjectId }, { $set: set }, { upsert: true }));
  }

  /** The person's 1:1 conversation, if the bot has one. */
  async findUser(aadObjectId: string): Promise<UserConversation | null> {
    return this.users.findOne({ _id: aadObjectId });
  }

  /** Forgets a reference Teams no longer accepts (403/404), so the next send re-creates it. */
  async forgetUser(aadObjectId: string) {
    await this.users.deleteOne({ _id: aadObjectId });
  }

  /** Stores a channel reference (the bot was added to its team, or someone wrote in it). */
  async saveChannel(c: Omit<ChannelConversation, '_id' | 'updatedAt'>) {
    const { activityId: _ignored, ...stable } = c.reference;
    const set = { ...c, reference: { ...stable, conversation: { ...stable.conversation!, id: c.channelId } }, updatedAt: new Date() };
    await upsertOnce(() => this.channels.updateOne({ _id: `${c.teamId}|${c.channelId}` }, { $set: set }, { upsert: true }));
  }

  /** A channel by team and channel id. */
  async findChannel(teamId: string, channelId: string): Promise<ChannelConversation | null> {
    return this.channels.findOne({ _id: `${teamId}|${channelId}` });
  }
}
