import { useEffect, useMemo, useReducer, type MouseEvent } from 'react';
import { useClient } from '../context';
import { ViewLinks } from '../links';
import type { Attachment } from '../protocol';

/**
 * The short-lived links to a message's file for this view (links.ts): `links` null while they
 * are asked for; `imageFailed(src)` from an `<img>`'s onError asks for fresh ones once (false:
 * give up); `failed` when none could be had. Those of the message's REST answer at once, when
 * still fresh.
 */
export function useAttachmentLinks(roomId: string, seq: number, attachment: Attachment): ViewLinks {
  const client = useClient();
  const [, changed] = useReducer((n: number) => n + 1, 0);
  const view = useMemo(
    () =>
      new ViewLinks(
        { peek: (r, s, a) => client.links.peek(r, s, a), get: (r, s, a, failed) => client.attachmentLink(r, s, a, failed) },
        roomId,
        seq,
        attachment,
        changed,
      ),
    // A newer copy of the same file (new links from a later page) is taken below, not a new view.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [client, roomId, seq, attachment.id],
  );
  view.attachment = attachment;
  useEffect(() => {
    view.start();
    return () => view.stop();
  }, [view]);
  return view;
}

/**
 * A download link's onClick: with links that may have expired it waits for fresh ones and
 * clicks again, so the download never meets a 403; with newer ones it uses them at once.
 */
export function downloadClick(view: ViewLinks): (e: MouseEvent<HTMLAnchorElement>) => void {
  return (e) => {
    const a = e.currentTarget;
    const now = view.forClick();
    if (now) {
      // Read when the click's default action runs, after this handler.
      if (a.getAttribute('href') !== now.url) a.href = now.url;
      return;
    }
    e.preventDefault();
    void view.fresh().then((links) => {
      if (!links || !a.isConnected) return;
      a.href = links.url;
      a.click();
    });
  };
}
