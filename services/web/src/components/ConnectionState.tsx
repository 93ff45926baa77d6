import { useChat } from '../context';

/** Quiet while connected and during short drops; says "Connecting…" once a drop lasts. */
export function ConnectionState() {
  const status = useChat((s) => s.connection);
  return (
    <div className={`connection connection-${status}`} data-testid="connection-state" data-state={status} role="status">
      {status === 'offline' ? (
        <>
          <span className="spinner spinner-small" aria-hidden="true" />
          Connecting…
        </>
      ) : (
        <span className="sr-only">{status === 'online' ? 'Connected' : 'Connecting'}</span>
      )}
    </div>
  );
}
