/**
 * The tab's calls to its API on the bot. Every call carries the Teams SSO token; the server decides who the user
 * is and what they may see, so nothing here is trusted for identity.
 */
import type {
  AlertView,
  AuditView,
  ChartBar,
  ChartsView,
  ConsentView,
  DailySeriesView,
  DeviceView,
  IncidentDetailView,
  IncidentListItemView,
  MeView,
  MyConsentsView,
  MyDevicesView,
  NoticeView,
  PageView,
  PersonHit,
  PersonView,
  RequestView,
} from '../../bot/tabViewTypes';

export type { DailySeriesView, IncidentDetailView, IncidentListItemView };
export type { AlertView, AuditView, ChartBar, ChartsView, ConsentView, DeviceView, MeView, NoticeView, PageView, PersonHit, PersonView, RequestView };

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

  /** Fetches a file with the token and hands it to the browser to save. */
  async download(path: string): Promise<string> {
    const token = await this.token();
    const res = await fetch(`/api/tab${path}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: string; problems?: string[] };
      throw new ApiError(res.status, body.error ?? `The server answered ${res.status}`, body.problems);
    }
    const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return filename;
  }

  myDevices() {
    return this.call<MyDevicesView>('/devices/mine');
  }
  checkAgain(deviceId: string) {
    return this.call<{ device: DeviceView }>(`/devices/${encodeURIComponent(deviceId)}/check`, { method: 'POST', body: '{}' });
  }
  myConsents() {
    return this.call<MyConsentsView>('/consents/mine');
  }
  withdraw(requestId: string) {
    return this.call<{ requestCancelled: boolean; accessRemoved: boolean; itTold: boolean; reference?: string }>(`/consents/${encodeURIComponent(requestId)}/withdraw`, {
      method: 'POST',
      body: JSON.stringify({ confirm: true }),
    });
  }
  itDevices(state: string, after?: string) {
    return this.call<PageView<DeviceView> & { state: string }>(`/it/devices?state=${encodeURIComponent(state)}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
  }
  itAlerts(after?: string) {
    return this.call<PageView<AlertView>>(`/it/alerts${after ? `?after=${encodeURIComponent(after)}` : ''}`);
  }
  incidents(state: 'open' | 'closed', after?: string) {
    return this.call<PageView<IncidentListItemView>>(`/it/incidents?state=${state}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
  }
  incident(id: string) {
    return this.call<IncidentDetailView>(`/it/incidents/${encodeURIComponent(id)}`);
  }
  charts() {
    return this.call<ChartsView>('/it/charts');
  }
  searchPeople(q: string) {
    return this.call<{ people: PersonHit[] }>(`/people?q=${encodeURIComponent(q)}`);
  }
  person(id: string) {
    return this.call<PersonView>(`/people/${encodeURIComponent(id)}`);
  }
  notices() {
    return this.call<{ notices: NoticeView[] }>('/notices');
  }

  me() {
    return this.call<MeView>('/me');
  }
  myRequests() {
    return this.call<{ requests: RequestView[] }>('/requests/mine');
  }
  approvals(after?: string) {
    return this.call<{ requests: RequestView[]; next?: string }>(`/approvals${after ? `?after=${encodeURIComponent(after)}` : ''}`);
  }
  decide(id: string, body: { decision: 'approve' | 'deny'; version: number; reason?: string; comment?: string }) {
    return this.call<{ request: RequestView }>(`/approvals/${encodeURIComponent(id)}/decision`, { method: 'POST', body: JSON.stringify(body) });
  }
  itRequests(state: string, after?: string) {
    return this.call<{ state: string; states: string[]; requests: RequestView[]; next?: string }>(
      `/it/requests?state=${encodeURIComponent(state)}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
    );
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
