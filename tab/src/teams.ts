/**
 * The tab's Teams side through @microsoft/teams-js: initialize, the theme from the context and its changes,
 * which page a channel tab was configured for, and the SSO token for every API call.
 * https://learn.microsoft.com/en-us/microsoftteams/platform/tabs/how-to/using-teams-client-library
 */
import { app, authentication, pages } from '@microsoft/teams-js';

/** The Teams theme names, as app.getContext() and the theme change handler give them. */
export type TeamsTheme = 'default' | 'dark' | 'contrast';

/** What the tab knows once Teams answered. */
export interface TeamsSession {
  theme: TeamsTheme;
  /** A channel tab's saved page (`entityId`), e.g. "it"; absent in the personal tab. */
  entityId?: string;
  /** "content" for a tab, "settings" for the channel tab's configuration page. */
  frameContext?: string;
  hostName?: string;
}

/** The page is not running inside Teams (opened directly in a browser). */
export class OutsideTeamsError extends Error {
  override readonly name = 'OutsideTeamsError';
}

const asTheme = (t: string | undefined): TeamsTheme => (t === 'dark' || t === 'contrast' ? t : 'default');

/** Initializes teams-js; fails fast with OutsideTeamsError when no Teams host frames the page. */
export async function startTeams(onTheme: (theme: TeamsTheme) => void, timeoutMs = 8000): Promise<TeamsSession> {
  if (window.parent === window) throw new OutsideTeamsError('Not inside Teams');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OutsideTeamsError('Teams did not answer')), timeoutMs);
  });
  try {
    await Promise.race([app.initialize(), timeout]);
  } finally {
    clearTimeout(timer);
  }
  const context = await app.getContext();
  app.registerOnThemeChangeHandler((theme) => onTheme(asTheme(theme)));
  app.notifySuccess();
  return { theme: asTheme(context.app.theme), entityId: context.page.id || undefined, frameContext: context.page.frameContext, hostName: context.app.host.name };
}

/** The SSO token for the app's API (Teams caches and renews it). */
export function ssoToken(): Promise<string> {
  return authentication.getAuthToken();
}

/** The channel tab's configuration page: saving pins the IT Security page to the channel. */
export function enableChannelTabSave(contentUrl: string): void {
  pages.config.registerOnSaveHandler((save) => {
    pages.config
      .setConfig({ entityId: 'it', contentUrl, suggestedDisplayName: 'Device requests', websiteUrl: contentUrl })
      .then(() => save.notifySuccess())
      .catch((e: Error) => save.notifyFailure(e.message));
  });
  pages.config.setValidityState(true);
}
