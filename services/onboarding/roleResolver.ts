import type { Logger } from '../logging/logger';
import { GraphRequestError, isGraphUnavailable } from '../graph/graphErrors';
import type { DirectoryService } from '../graph/graphTypes';
import type { Role } from '../workflow/transition';

/** Group ids that grant each role. */
export interface RoleGroups {
  itSecurity: string;
  admins?: string;
  auditors?: string;
}

/** How long answers are kept. */
export interface RoleCacheSettings {
  /** An answer is used without asking Graph for this long (a removal takes effect within it). */
  ttlMs: number;
  /** While Graph is unreachable, slow or throttling, an answer up to this old still serves. */
  staleMs: number;
}

/** Graph could not say what roles a person has, and no recent enough answer was at hand. */
export class RolesUnavailableError extends Error {
  override readonly name = 'RolesUnavailableError';
  constructor(
    readonly aadObjectId: string,
    override readonly cause: unknown,
  ) {
    super(`The roles of ${aadObjectId} could not be looked up: Microsoft Graph is unavailable`);
  }
}

const DEFAULT_CACHE: RoleCacheSettings = { ttlMs: 60_000, staleMs: 15 * 60_000 };

/**
 * Roles from Entra group membership (transitive, via checkMemberGroups). Answers are cached so a busy approver
 * does not cost a Graph call per click, yet a removal takes effect within the TTL; while Graph is down a recent
 * answer serves, so people keep working; a person Graph does not know (a guest, a removed account: 404) has no
 * roles. Concurrent lookups for one person share one Graph call.
 */
export class RoleResolver {
  private readonly cache = new Map<string, { roles: Role[]; at: number }>();
  private readonly inFlight = new Map<string, Promise<Role[]>>();
  private readonly settings: RoleCacheSettings;

  constructor(
    private readonly directory: DirectoryService,
    private readonly groups: RoleGroups,
    settings: Partial<RoleCacheSettings> = {},
    private readonly clock: () => number = Date.now,
    private readonly logger?: Logger,
  ) {
    this.settings = { ...DEFAULT_CACHE, ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) };
  }

  /** The person's roles; throws RolesUnavailableError only when Graph fails and nothing recent is cached. */
  async rolesOf(aadObjectId: string): Promise<Role[]> {
    const hit = this.cache.get(aadObjectId);
    if (hit && this.clock() - hit.at < this.settings.ttlMs) return hit.roles;
    let pending = this.inFlight.get(aadObjectId);
    if (!pending) {
      pending = this.lookUp(aadObjectId).finally(() => this.inFlight.delete(aadObjectId));
      this.inFlight.set(aadObjectId, pending);
    }
    return pending;
  }

  private async lookUp(aadObjectId: string): Promise<Role[]> {
    const byGroup: [string | undefined, Role][] = [
      [this.groups.itSecurity, 'itSecurity'],
      [this.groups.admins, 'admin'],
      [this.groups.auditors, 'auditor'],
    ];
    const ids = byGroup.map(([g]) => g).filter((g): g is string => Boolean(g));
    let roles: Role[];
    try {
      const member = new Set(await this.directory.checkMemberGroups(aadObjectId, ids));
      roles = byGroup.filter(([g]) => g && member.has(g)).map(([, r]) => r);
    } catch (e) {
      if (e instanceof GraphRequestError && e.status === 404) {
        roles = [];
      } else {
        const kept = this.cache.get(aadObjectId);
        if (isGraphUnavailable(e) && kept && this.clock() - kept.at < this.settings.staleMs) {
          this.logger?.warn({ aadObjectId, ageMs: this.clock() - kept.at, err: e }, 'graph unavailable: using the cached roles');
          return kept.roles;
        }
        if (isGraphUnavailable(e)) throw new RolesUnavailableError(aadObjectId, e);
        throw e;
      }
    }
    this.cache.set(aadObjectId, { roles, at: this.clock() });
    return roles;
  }
}
