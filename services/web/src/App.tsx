import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApi, isUnauthorized } from './api';
import { drafts, places } from './local';
import type { User } from './protocol';
import { AuthScreen } from './components/AuthScreen';
import { ChatApp } from './components/ChatApp';

type Phase =
  | { kind: 'loading' }
  | { kind: 'anon'; notice: string | null }
  | { kind: 'authed'; me: User }
  | { kind: 'error'; message: string };

/**
 * Whether this browser was signed in when it last looked: the session itself is in HttpOnly
 * cookies the app cannot read, so without this a logged-out visit would ask the server (two
 * 401s in the console) before showing the login form.
 */
const SIGNED_IN = 'chat.signedIn';
function signedInHint(): boolean {
  try {
    // Never written counts as signed out: a first visit makes no request that fails (a session
    // from before this hint existed logs in once more).
    return localStorage.getItem(SIGNED_IN) === '1';
  } catch {
    return true;
  }
}
function setSignedInHint(on: boolean): void {
  try {
    localStorage.setItem(SIGNED_IN, on ? '1' : '0');
  } catch {
    // Storage may be off (private mode): the app asks the server each time instead.
  }
}

export function App() {
  const api = useMemo(() => createApi(), []);
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const bootstrap = useCallback(() => {
    if (!signedInHint()) {
      setPhase({ kind: 'anon', notice: null });
      return;
    }
    setPhase({ kind: 'loading' });
    // `me` refreshes the session once on 401 by itself; a 401 after that means "log in".
    api.me().then(
      (me) => setPhase({ kind: 'authed', me }),
      (e: unknown) => {
        if (isUnauthorized(e)) setSignedInHint(false);
        setPhase(
          isUnauthorized(e)
            ? { kind: 'anon', notice: null }
            : { kind: 'error', message: e instanceof Error ? e.message : 'Cannot load the app.' },
        );
      },
    );
  }, [api]);

  useEffect(bootstrap, [bootstrap]);
  useEffect(() => {
    if (phase.kind === 'authed') setSignedInHint(true);
  }, [phase.kind]);

  const onLogout = useCallback(() => {
    setSignedInHint(false);
    setPhase({ kind: 'anon', notice: null });
    api.logout().catch(() => {
      // The cookies may already be gone; either way the user is logged out here.
    });
  }, [api]);

  const onExpired = useCallback(() => {
    setSignedInHint(false);
    // What this browser kept for that user goes with the session.
    drafts.clear();
    places.clear();
    window.history.replaceState(null, '', '/');
    setPhase({ kind: 'anon', notice: 'Your session has ended. Please log in again.' });
  }, []);

  switch (phase.kind) {
    case 'loading':
      return (
        <div className="splash" data-testid="splash" aria-busy="true">
          <div className="spinner" aria-label="Loading" />
        </div>
      );
    case 'error':
      return (
        <div className="splash">
          <p role="alert">{phase.message}</p>
          <button type="button" className="btn btn-primary" onClick={bootstrap}>
            Try again
          </button>
        </div>
      );
    case 'anon':
      return <AuthScreen api={api} notice={phase.notice} onAuthed={(me) => setPhase({ kind: 'authed', me })} />;
    case 'authed':
      return <ChatApp key={phase.me.id} api={api} me={phase.me} onLogout={onLogout} onExpired={onExpired} />;
  }
}
