/**
 * Entra group membership writes through Microsoft Graph, made idempotent so a retried effect is harmless.
 */
import type { Logger } from '../logging/logger';
import type { GraphApi, GraphReceipt } from './graphApi';
import { GraphRequestError } from './graphErrors';
import type { GroupService } from './graphTypes';

/** Graph's 400 for an existing member (https://learn.microsoft.com/en-us/graph/api/group-post-members). */
const ALREADY_MEMBER = /already exist/i;

/** The receipt of a change Graph answered with "nothing to do" (already a member, not a member): that answer's ids. */
const receiptOf = (e: GraphRequestError): GraphReceipt => ({ requestId: e.requestId ?? null, clientRequestId: e.clientRequestId ?? '' });

/** GroupService on Microsoft Graph. */
export class GraphGroupService implements GroupService {
  constructor(
    private readonly api: GraphApi,
    private readonly logger: Logger,
  ) {}

  async addMember(groupId: string, directoryObjectId: string): Promise<GraphReceipt> {
    try {
      return await this.api.change(
        'POST',
        `groups/${encodeURIComponent(groupId)}/members/$ref`,
        { '@odata.id': `${this.api.origin}/v1.0/directoryObjects/${encodeURIComponent(directoryObjectId)}` },
        { idempotent: true },
      );
    } catch (e) {
      if (e instanceof GraphRequestError && e.status === 400 && ALREADY_MEMBER.test(e.graphMessage ?? '')) {
        this.logger.debug({ groupId, directoryObjectId }, 'already a member');
        return receiptOf(e);
      }
      throw e;
    }
  }

  /** Always with /$ref: without it, Graph deletes the member object itself (https://learn.microsoft.com/en-us/graph/api/group-delete-members). */
  async removeMember(groupId: string, directoryObjectId: string): Promise<GraphReceipt> {
    try {
      return await this.api.change('DELETE', `groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(directoryObjectId)}/$ref`, undefined);
    } catch (e) {
      if (e instanceof GraphRequestError && e.status === 404) {
        this.logger.debug({ groupId, directoryObjectId }, 'was not a member');
        return receiptOf(e);
      }
      throw e;
    }
  }

  /** Every direct member's object id, across all pages. */
  async listMemberIds(groupId: string): Promise<string[]> {
    const items = await this.api.listAll<{ id?: string }>(`groups/${encodeURIComponent(groupId)}/members`, { query: { $select: 'id', $top: '999' } });
    return items.flatMap((m) => (m.id ? [m.id] : []));
  }

  /**
   * Pages through the direct members (ids only) and stops at the first match. Slower than an advanced
   * `$filter=id eq` query on a big group, but that needs `ConsistencyLevel: eventual` and could miss a member
   * added moments ago.
   */
  async isMember(groupId: string, directoryObjectId: string): Promise<boolean> {
    const wanted = directoryObjectId.toLowerCase();
    let found = false;
    await this.api.forEachPage<{ id?: string }>(`groups/${encodeURIComponent(groupId)}/members`, { query: { $select: 'id', $top: '999' } }, (items) => {
      found = items.some((m) => m.id?.toLowerCase() === wanted);
      return found;
    });
    return found;
  }
}
