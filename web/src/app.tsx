import { useCallback, useEffect, useMemo, useState } from 'react';
import { AdminPage, ForbiddenPage } from './admin/admin-page.js';
import { createApiClient } from './api/client.js';
import { createAuth, isAdmin, sessionStore, type Session } from './auth/index.js';
import { ErrorBoundary } from './components/error-boundary.js';
import { ConnectionIndicator } from './components/connection-indicator.js';
import { Link } from './components/link.js';
import { SignInPage } from './components/sign-in-page.js';
import { TasksPage } from './components/tasks-page.js';
import { ToastProvider } from './components/toasts.js';
import type { RuntimeConfig } from './config.js';
import { useLive } from './live/use-live.js';
import { matchRoute, usePathname } from './lib/router.js';
import { ResultPage } from './viewer/result-page.js';

/** Refresh (Cognito) this long before the ID token expires; locally, sign out at expiry. */
const REFRESH_MARGIN_MS = 60_000;

const Shell = ({
  config,
  session,
  onSignOut,
}: {
  config: RuntimeConfig;
  session: Session;
  onSignOut: (notice?: string) => void;
}) => {
  const api = useMemo(
    () =>
      createApiClient({
        baseUrl: config.apiUrl,
        getToken: () => session.token,
        onUnauthorized: () => onSignOut('Your session has expired. Sign in again.'),
      }),
    [config.apiUrl, session.token, onSignOut],
  );
  const live = useLive(config.wsUrl, session.token);
  const route = matchRoute(usePathname());
  const admin = isAdmin(session);

  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="untxt home">
          untxt
        </Link>
        <nav aria-label="Main" className="topnav">
          <Link to="/" aria-current={route.name === 'tasks' || route.name === 'task' ? 'page' : undefined}>
            Documents
          </Link>
          {admin && (
            <Link to="/admin" aria-current={route.name === 'admin' ? 'page' : undefined}>
              Admin
            </Link>
          )}
        </nav>
        <div className="topbar-end">
          <ConnectionIndicator state={live.state} />
          <span className="user-email muted" title={session.user.email}>
            {session.user.email}
          </span>
          <button type="button" className="button button-small" onClick={() => onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <ErrorBoundary key={route.name}>
        {route.name === 'tasks' ? (
          <TasksPage api={api} bus={live.bus} />
        ) : route.name === 'task' ? (
          <ResultPage key={route.id} api={api} bus={live.bus} id={route.id} />
        ) : route.name === 'admin' ? (
          admin ? (
            <AdminPage api={api} tab={route.tab} />
          ) : (
            <ForbiddenPage />
          )
        ) : (
          <main id="main" className="page">
            <div className="empty">
              <h1>Page not found</h1>
              <Link to="/" className="button">
                Back to documents
              </Link>
            </div>
          </main>
        )}
      </ErrorBoundary>
    </>
  );
};

export const App = ({ config }: { config: RuntimeConfig }) => {
  const auth = useMemo(() => createAuth(config), [config]);
  const [session, setSession] = useState<Session | null>(() => sessionStore.load());
  const [notice, setNotice] = useState<string | undefined>();

  const signIn = useCallback((next: Session) => {
    sessionStore.save(next);
    setNotice(undefined);
    setSession(next);
  }, []);
  const signOut = useCallback((message?: string) => {
    sessionStore.save(null);
    setNotice(message);
    setSession(null);
  }, []);

  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(
      async () => {
        const next = await auth.refresh(session);
        if (next) signIn(next);
        else signOut('Your session has expired. Sign in again.');
      },
      Math.max(0, session.expiresAt - Date.now() - (session.refreshToken ? REFRESH_MARGIN_MS : 0)),
    );
    return () => clearTimeout(timer);
  }, [auth, session, signIn, signOut]);

  return (
    <ToastProvider>
      {session ? (
        <Shell config={config} session={session} onSignOut={signOut} />
      ) : (
        <SignInPage auth={auth} notice={notice} onSignedIn={signIn} />
      )}
    </ToastProvider>
  );
};
