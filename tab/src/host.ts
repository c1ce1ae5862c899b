/**
 * The local Teams host (local mode only): frames the tab and answers its @microsoft/teams-js messages the way the
 * Teams web client does (initialize, getContext, theme changes, getAuthToken), so the tab runs its real Teams code
 * path. Tokens come from the Graph simulator's Entra for the demo user picked here. `?user=<object id>&theme=dark`
 * preselects; `?frameContext=settings` opens the channel tab's configuration page, whose Save loads the saved tab. Messages follow teams-js' window.postMessage protocol: requests `{ id, uuidAsString, func, args }`,
 * answers `{ id, uuidAsString, args }`, host events `{ func, args }`.
 */
import { tabConfig, type TabConfig } from './api';

interface TeamsRequest {
  id: number;
  uuidAsString?: string;
  func: string;
  args?: unknown[];
}

interface DemoUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  jobTitle: string | null;
}

const TENANT_FROM_TOKEN = (token: string) => (JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { tid: string }).tid;
/** The runtime capabilities announced at initialize (teams-js runtime config, API version 4). */
const RUNTIME = { apiVersion: 4, supports: { appEntity: {}, pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} }, teams: { fullTrust: {} } } };

const params = new URLSearchParams(window.location.search);
const frame = document.getElementById('tab') as HTMLIFrameElement;
const userSelect = document.getElementById('user') as HTMLSelectElement;
const themeSelect = document.getElementById('theme') as HTMLSelectElement;
const status = document.getElementById('status') as HTMLElement;
const save = document.getElementById('save') as HTMLButtonElement;
let frameContext = params.get('frameContext') === 'settings' ? 'settings' : 'content';
let entityId = params.get('entityId') ?? 'home';
let config: TabConfig;
let users: DemoUser[] = [];
let tenantId = '';
let pending: { entityId?: string; contentUrl?: string } | undefined;

async function tokenFor(userId: string): Promise<string> {
  const dev = config.devSignIn!;
  const res = await fetch(dev.tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId, audience: dev.audience }) });
  if (!res.ok) throw new Error(`The simulated Entra answered ${res.status}`);
  const token = ((await res.json()) as { access_token: string }).access_token;
  tenantId = TENANT_FROM_TOKEN(token);
  return token;
}

function context() {
  const user = users.find((u) => u.id === userSelect.value);
  return {
    theme: themeSelect.value,
    locale: 'en-us',
    entityId,
    frameContext,
    hostClientType: 'web',
    hostName: 'Teams',
    appSessionId: crypto.randomUUID(),
    userObjectId: user?.id,
    userPrincipalName: user?.userPrincipalName,
    loginHint: user?.userPrincipalName,
    tid: tenantId,
  };
}

async function answer(request: TeamsRequest): Promise<unknown[] | undefined> {
  switch (request.func) {
    case 'initialize':
      return [frameContext, 'web', JSON.stringify(RUNTIME), '2.0.0'];
    case 'getContext':
      return [context()];
    case 'authentication.getAuthToken':
      try {
        return [true, await tokenFor(userSelect.value)];
      } catch (e) {
        return [false, (e as Error).message];
      }
    case 'settings.setValidityState':
      save.disabled = request.args?.[0] !== true;
      return undefined;
    case 'settings.setSettings': {
      // What Teams stores for the channel tab; after the save succeeds the tab loads from it.
      const saved = request.args?.[0] as { entityId?: string; contentUrl?: string } | undefined;
      if (!saved?.contentUrl || new URL(saved.contentUrl).origin !== window.location.origin) return [false, 'contentUrl must be on this origin'];
      pending = saved;
      return [true];
    }
    case 'settings.save.success':
      if (pending) {
        entityId = pending.entityId ?? entityId;
        frameContext = 'content';
        save.hidden = true;
        status.textContent = `Saved the channel tab (${entityId})`;
        frame.src = pending.contentUrl!;
      }
      return undefined;
    default:
      // One-way notifications (registerHandler, appInitialization.*) get no answer, as in Teams.
      return undefined;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== frame.contentWindow || event.origin !== window.location.origin) return;
  const request = event.data as TeamsRequest;
  if (!request || typeof request.func !== 'string') return;
  void answer(request).then((args) => {
    if (args) frame.contentWindow?.postMessage({ id: request.id, uuidAsString: request.uuidAsString, args }, window.location.origin);
  });
});

themeSelect.addEventListener('change', () => {
  frame.contentWindow?.postMessage({ func: 'themeChange', args: [themeSelect.value] }, window.location.origin);
});

function loadTab() {
  status.textContent = `Tab opened as ${userSelect.selectedOptions[0]?.text ?? ''}`;
  const page = params.get('page');
  save.hidden = frameContext !== 'settings';
  frame.src = frameContext === 'settings' ? '/tab/?config' : `/tab/${page ? `?page=${encodeURIComponent(page)}` : ''}`;
}

userSelect.addEventListener('change', loadTab);
save.addEventListener('click', () => frame.contentWindow?.postMessage({ func: 'settings.save', args: [{}] }, window.location.origin));

async function start() {
  config = await tabConfig();
  if (!config.devSignIn) {
    status.textContent = 'Demo sign-in is available in local mode only.';
    return;
  }
  users = ((await (await fetch(config.devSignIn.usersUrl)).json()) as { value: DemoUser[] }).value;
  for (const u of users) userSelect.add(new Option(`${u.displayName}${u.jobTitle ? ` (${u.jobTitle})` : ''}`, u.id));
  userSelect.value = params.get('user') ?? users[0]?.id ?? '';
  themeSelect.value = params.get('theme') ?? 'default';
  loadTab();
}

start().catch((e: Error) => {
  status.textContent = `The local host could not start: ${e.message}`;
});
