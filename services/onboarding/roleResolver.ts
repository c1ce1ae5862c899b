import type { DirectoryService } from '../graph/graphTypes';
import type { Role } from '../workflow/transition';

/** Group ids that grant each role. */
export interface RoleGroups {
  itSecurity: string;
  admins?: string;
  auditors?: string;
}

/**
 * Roles from Entra group membership (transitive, via checkMemberGroups), cached briefly so a busy approver does
 * not cost a Graph call per click, yet a removal takes effect within the TTL.
 */
export class RoleResolver {
  private readonly cache = new Map<string, { roles: Role[]; until: number }>();

  constructor(
    private readonly directory: DirectoryService,
    private readonly groups: RoleGroups,
    private readonly ttlMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The person's roles. */
  async rolesOf(aadObjectId: string): Promise<Role[]> {
    const hit = this.cache.get(aadObjectId);
    if (hit && hit.until > this.clock()) return hit.roles;
    const byGroup: [string | undefined, Role][] = [
      [this.groups.itSecurity, 'itSecurity'],
      [this.groups.admins, 'admin'],
      [this.groups.auditors, 'auditor'],
    ];
    const ids = byGroup.map(([g]) => g).filter((g): g is string => Boolean(g));
    const member = new Set(await this.directory.checkMemberGroups(aadObjectId, ids));
    const roles = byGroup.filter(([g]) => g && member.has(g)).map(([, r]) => r);
    this.cache.set(aadObjectId, { roles, until: this.clock() + this.ttlMs });
    return roles;
  }
}
