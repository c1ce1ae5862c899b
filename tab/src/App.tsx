import {
  Body1,
  FluentProvider,
  Link,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Tab,
  TabList,
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
  Title3,
  tokens,
  type Theme,
} from '@fluentui/react-components';
import { useEffect, useMemo, useState } from 'react';
import type { TabPage } from '../../bot/tabViewTypes';
import { TabApi, tabConfig, type MeView, type TabConfig } from './api';
import { AuditorPage } from './pages/AuditorPage';
import { EmployeePage } from './pages/EmployeePage';
import { ItPage } from './pages/ItPage';
import { ManagerPage } from './pages/ManagerPage';
import { enableChannelTabSave, OutsideTeamsError, ssoToken, startTeams, type TeamsSession, type TeamsTheme } from './teams';

const THEMES: Record<TeamsTheme, Theme> = { default: teamsLightTheme, dark: teamsDarkTheme, contrast: teamsHighContrastTheme };
const PAGE_LABELS: Record<TabPage, string> = { employee: 'My requests', manager: 'Approvals', it: 'IT Security', auditor: 'Audit' };

const useStyles = makeStyles({
  root: { minHeight: '100vh', boxSizing: 'border-box', padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalM}` },
  main: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, paddingTop: tokens.spacingVerticalM, maxWidth: '760px' },
  nav: { overflowX: 'auto' },
  header: { display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', alignItems: 'baseline', gap: tokens.spacingHorizontalM },
});

type Phase = { kind: 'starting' } | { kind: 'outside'; config?: TabConfig } | { kind: 'settings' } | { kind: 'ready'; session: TeamsSession; me: MeView } | { kind: 'failed'; message: string };

/** The page to open first: a channel tab's configured page, a deep link's ?page=, else the employee's own. */
function firstPage(me: MeView, session: TeamsSession): TabPage {
  const wanted = [session.entityId, new URLSearchParams(window.location.search).get('page')];
  return (wanted.find((p) => me.pages.includes(p as TabPage)) as TabPage | undefined) ?? 'employee';
}

/** The tab: starts teams-js, signs in by SSO, then shows the pages the user's roles allow. */
export function App() {
  const s = useStyles();
  const [theme, setTheme] = useState<TeamsTheme>('default');
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [page, setPage] = useState<TabPage>('employee');
  const api = useMemo(() => new TabApi(ssoToken), []);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const session = await startTeams(setTheme);
        if (cancelled) return;
        setTheme(session.theme);
        if (session.frameContext === 'settings') {
          enableChannelTabSave(`${window.location.origin}/tab/?page=it`);
          setPhase({ kind: 'settings' });
          return;
        }
        const me = await api.me();
        if (cancelled) return;
        setPage(firstPage(me, session));
        setPhase({ kind: 'ready', session, me });
      } catch (e) {
        if (cancelled) return;
        if (e instanceof OutsideTeamsError) {
          setPhase({ kind: 'outside', config: await tabConfig().catch(() => undefined) });
        } else {
          setPhase({ kind: 'failed', message: (e as Error).message });
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api]);

  return (
    <FluentProvider theme={THEMES[theme]} className={s.root}>
      {phase.kind === 'starting' && <Spinner label="Connecting to Teams…" />}
      {phase.kind === 'outside' && (
        <main className={s.main}>
          <Title3 as="h1">Device Onboarding</Title3>
          <MessageBar intent="info">
            <MessageBarBody>
              <MessageBarTitle>Open this tab in Microsoft Teams</MessageBarTitle>
              This page is a Teams tab: Teams signs you in. Open the Device Onboarding app in Teams to see your requests.
            </MessageBarBody>
          </MessageBar>
          {phase.config?.devSignIn && (
            <Body1>
              Local development: <Link href="/tab/host.html">open the tab in the local Teams host</Link> and pick a demo user.
            </Body1>
          )}
        </main>
      )}
      {phase.kind === 'settings' && (
        <main className={s.main}>
          <Title3 as="h1">Device requests for this channel</Title3>
          <Body1>Saving adds IT Security's view of device requests to this channel. Only members of IT Security can open it.</Body1>
        </main>
      )}
      {phase.kind === 'failed' && (
        <main className={s.main}>
          <MessageBar intent="error" role="alert">
            <MessageBarBody>
              <MessageBarTitle>The tab could not start</MessageBarTitle>
              {phase.message}
            </MessageBarBody>
          </MessageBar>
        </main>
      )}
      {phase.kind === 'ready' && (
        <>
          <header className={s.header}>
            <Title3 as="h1">Device Onboarding</Title3>
            <Body1>Signed in as {phase.me.displayName}</Body1>
          </header>
          {phase.me.pages.length > 1 && (
            <nav aria-label="Pages" className={s.nav}>
              <TabList selectedValue={page} onTabSelect={(_, d) => setPage(d.value as TabPage)}>
                {phase.me.pages.map((p) => (
                  <Tab key={p} value={p}>
                    {PAGE_LABELS[p]}
                  </Tab>
                ))}
              </TabList>
            </nav>
          )}
          <main className={s.main}>
            {page === 'employee' && <EmployeePage api={api} />}
            {page === 'manager' && <ManagerPage api={api} />}
            {page === 'it' && <ItPage api={api} />}
            {page === 'auditor' && <AuditorPage api={api} me={phase.me} />}
          </main>
        </>
      )}
    </FluentProvider>
  );
}
