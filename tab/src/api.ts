/**
 * The tab's calls to its API on the bot. Every call carries the Teams SSO token; the server decides who the user
 * is and what they may see, so nothing here is trusted for identity.
 */
import type { AuditView, MeView, RequestView } from '../../bot/tabViewTypes';

export type { AuditView, MeView, RequestView };

/** An API call the server refused or could not answer. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/** Where the token comes from: teams-js in Teams. */
export type TokenSource = () => Promise<string>;

/** A small typed client for /api/tab. */
export class TabApi {
  constructor(private readonly token: TokenSource) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const token = await this.token();
    const res = await fetch(`/api/tab${path}`, {
      ...init,
      headers: { ...(init.body ? { 'Content-Type': 'application/json' } : {}), Authorization: `Bearer ${token}`, Accept: 'application/json' },
    });
    const body = (await res.json().catch(() => ({}))) as { error?: string; problems?: string[] };
    if (!res.ok) throw new ApiError(res.status, body.error ?? `The server answered ${res.status}`, body.problems);
    return body as T;
  }

  me() {
    return this.call<MeView>('/me');
  }
  myRequests() {
    return this.call<{ requests: RequestView[] }>('/requests/mine');
  }
  approvals() {
    return this.call<{ requests: RequestView[] }>('/approvals');
  }
  decide(id: string, body: { decision: 'approve' | 'deny'; version: number; reason?: string; comment?: string }) {
    return this.call<{ request: RequestView }>(`/approvals/${encodeURIComponent(id)}/decision`, { method: 'POST', body: JSON.stringify(body) });
  }
  itRequests(state: string) {
    return this.call<{ state: string; states: string[]; requests: RequestView[] }>(`/it/requests?state=${encodeURIComponent(state)}`);
  }
  audit(requestIdOrReference: string) {
    return this.call<AuditView>(`/audit/${encodeURIComponent(requestIdOrReference)}`);
  }
}

/** The server's tab settings (no sign-in needed): whether single sign-on works, and local mode's demo sign-in. */
export interface TabConfig {
  signIn: 'teams' | 'unavailable';
  devSignIn?: { tokenUrl: string; usersUrl: string; audience: string };
}

/** Reads /api/tab/config. */
export async function tabConfig(): Promise<TabConfig> {
  const res = await fetch('/api/tab/config');
  if (!res.ok) throw new ApiError(res.status, `The server answered ${res.status}`);
  return (await res.json()) as TabConfig;
}
