/**
 * Users, managers and group membership reads in Entra ID through Microsoft Graph.
 */
import type * as MSGraph from '@microsoft/microsoft-graph-types';
import type { Logger } from '../logging/logger';
import type { GraphApi } from './graphApi';
import type { DirectoryService, DirectoryUser, MailboxSettings } from './graphTypes';

const USER_FIELDS = 'id,displayName,userPrincipalName,mail,jobTitle';
/** checkMemberGroups takes at most 20 group ids per call (https://learn.microsoft.com/en-us/graph/api/user-checkmembergroups). */
const CHECK_MEMBER_GROUPS_LIMIT = 20;

type DirectoryObjectJson = MSGraph.User & { '@odata.type'?: string };

/** The path segment for a user: an object id or UPN, in the key form Graph needs for a UPN starting with `$`. */
export function userSegment(idOrUpn: string): string {
  // https://learn.microsoft.com/en-us/graph/api/user-get: a UPN starting with $ must be written users('$x@y').
  return idOrUpn.startsWith('$') ? `users('${encodeURIComponent(idOrUpn)}')` : `users/${encodeURIComponent(idOrUpn)}`;
}

function toDirectoryUser(u: DirectoryObjectJson): DirectoryUser {
  return {
    id: u.id ?? '',
    displayName: u.displayName ?? '',
    userPrincipalName: u.userPrincipalName ?? '',
    mail: u.mail ?? null,
    jobTitle: u.jobTitle ?? null,
  };
}

function isUser(o: DirectoryObjectJson): boolean {
  return o['@odata.type'] === '#microsoft.graph.user';
}

/** DirectoryService on Microsoft Graph. */
export class GraphDirectoryService implements DirectoryService {
  constructor(
    private readonly api: GraphApi,
    private readonly logger: Logger,
  ) {}

  async getUser(idOrUpn: string): Promise<DirectoryUser | undefined> {
    const u = await this.api.getOptional<DirectoryObjectJson>(userSegment(idOrUpn), { query: { $select: USER_FIELDS } });
    return u ? toDirectoryUser(u) : undefined;
  }

  /**
   * A user without a manager gets 404 Request_ResourceNotFound by design, not null
   * (https://github.com/microsoftgraph/aspnet-snippets-sample/issues/6). A manager that is an org contact
   * cannot approve in Teams, so it counts as none and the fallback approvers decide.
   */
  async getManager(userId: string): Promise<DirectoryUser | undefined> {
    const m = await this.api.getOptional<DirectoryObjectJson>(`${userSegment(userId)}/manager`, { query: { $select: USER_FIELDS } });
    if (!m) return undefined;
    if (m['@odata.type'] && !isUser(m)) {
      this.logger.info({ userId, managerType: m['@odata.type'] }, 'manager is not a user; treating as no manager');
      return undefined;
    }
    return toDirectoryUser(m);
  }

  /**
   * A people picker's search. `$search` on directory objects is an advanced query: without the header
   * `ConsistencyLevel: eventual` Graph answers 400 (https://learn.microsoft.com/en-us/graph/aad-advanced-queries).
   * Each word of a display name or address matches by prefix, so "dan" finds "Dana Lee". Only the first page is
   * read: a picker shows a handful and the person types more.
   */
  async searchUsers(text: string, top: number): Promise<DirectoryUser[]> {
    // A double quote or backslash ends the $search phrase early; they never occur in names worth searching for.
    const term = text.replace(/["\\]/g, ' ').trim().slice(0, 64);
    if (!term) return [];
    const search = ['displayName', 'mail', 'userPrincipalName'].map((p) => `"${p}:${term}"`).join(' OR ');
    const page = await this.api.get<{ value?: DirectoryObjectJson[] }>('users', {
      query: { $search: search, $select: USER_FIELDS, $top: String(Math.max(1, Math.min(top, 25))), $orderby: 'displayName' },
      headers: { ConsistencyLevel: 'eventual' },
    });
    return (page.value ?? []).map(toDirectoryUser);
  }

  /** The manager's direct reports (first page only: the picker offers a handful, the search finds the rest). */
  async listDirectReports(userId: string, top: number): Promise<DirectoryUser[]> {
    const page = await this.api.get<{ value?: DirectoryObjectJson[] }>(`${userSegment(userId)}/directReports`, { query: { $select: USER_FIELDS, $top: String(top) } });
    return (page.value ?? []).filter(isUser).map(toDirectoryUser);
  }

  /** Time zone and working hours; a user without an Exchange Online mailbox answers 404 MailboxNotEnabledForRESTAPI. */
  async getMailboxSettings(userId: string): Promise<MailboxSettings | undefined> {
    return this.api.getOptional<MailboxSettings>(`${userSegment(userId)}/mailboxSettings`, { query: { $select: 'timeZone,workingHours' } });
  }

  /** Direct members (not transitive) that are users; groups and devices in the group are skipped. */
  async listGroupMembers(groupId: string): Promise<DirectoryUser[]> {
    const members = await this.api.listAll<DirectoryObjectJson>(`groups/${encodeURIComponent(groupId)}/members`, { query: { $select: USER_FIELDS } });
    return members.filter(isUser).map(toDirectoryUser);
  }

  async checkMemberGroups(userId: string, groupIds: string[]): Promise<string[]> {
    const unique = [...new Set(groupIds)];
    const found: string[] = [];
    for (let i = 0; i < unique.length; i += CHECK_MEMBER_GROUPS_LIMIT) {
      const chunk = unique.slice(i, i + CHECK_MEMBER_GROUPS_LIMIT);
      // A read in POST form: repeating it is harmless, so 503/504 may be retried.
      const res = await this.api.post<{ value?: string[] }>(`${userSegment(userId)}/checkMemberGroups`, { groupIds: chunk }, { idempotent: true });
      const members = new Set((res?.value ?? []).map((g) => g.toLowerCase()));
      found.push(...chunk.filter((g) => members.has(g.toLowerCase())));
    }
    return found;
  }

  /**
   * Groups hold a device by its Entra device OBJECT id, which is neither the Intune id nor azureADDeviceId
   * (https://learn.microsoft.com/en-us/graph/api/resources/device); look it up by deviceId.
   */
  async getDeviceObjectId(azureADDeviceId: string): Promise<string | undefined> {
    const page = await this.api.get<{ value?: { id?: string }[] }>('devices', {
      query: { $filter: `deviceId eq '${azureADDeviceId.replace(/'/g, "''")}'`, $select: 'id' },
    });
    return page.value?.[0]?.id ?? undefined;
  }
}
