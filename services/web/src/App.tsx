import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApi, isUnauthorized } from './api';
import type { User } from './protocol';
import { AuthScreen } from './components/AuthScreen';
import { ChatApp } from './components/ChatApp';

type Phase =
  | { kind: 'loading' }
  | { kind: 'anon'; notice: string | null }
  | { kind: 'authed'; me: User }
  | { kind: 'error'; message: string };

export function App() {
  const api = useMemo(() => createApi(), []);
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const bootstrap = useCallback(() => {
    setPhase({ kind: 'loading' });
    // `me` refreshes the session once on 401 by itself; a 401 after that means "log in".
    api.me().then(
      (me) => setPhase({ kind: 'authed', me }),
      (e: unknown) =>
        setPhase(
          isUnauthorized(e)
            ? { kind: 'anon', notice: null }
            : { kind: 'error', message: e instanceof Error ? e.message : 'Cannot load the app.' },
        ),
    );
  }, [api]);

  useEffect(bootstrap, [bootstrap]);

  const onLogout = useCallback(() => {
    setPhase({ kind: 'anon', notice: null });
    api.logout().catch(() => {
      // The cookies may already be gone; either way the user is logged out here.
    });
  }, [api]);

  const onExpired = useCallback(() => {
    setPhase({ kind: 'anon', notice: 'Your session has expired. Please log in again.' });
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
