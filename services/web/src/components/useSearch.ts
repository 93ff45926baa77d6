import { useEffect, useState } from 'react';

/**
 * Runs `search` for `q` once typing pauses for `delayMs` (at once for an empty query), keeps
 * the latest answer, and ignores answers to queries that were replaced meanwhile. Below
 * `minLength` characters it answers null without searching. `search` resolves null on failure
 * (the client has already shown why).
 */
export function useSearch<T>(q: string, search: (q: string) => Promise<T | null>, delayMs: number, minLength = 0): T | null {
  const [found, setFound] = useState<T | null>(null);
  const query = q.trim();
  useEffect(() => {
    if (query.length < minLength) {
      setFound(null);
      return;
    }
    let live = true;
    const t = setTimeout(
      () => {
        void search(query).then((r) => {
          if (live && r !== null) setFound(r);
        });
      },
      query === '' ? 0 : delayMs,
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
    // `search` is rebuilt every render by callers; the query is what matters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query, delayMs, minLength]);
  return found;
}
