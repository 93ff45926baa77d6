import { Fragment, useCallback, useLayoutEffect, useRef } from 'react';
import { useChat, useClient } from '../context';
import { dayKey, formatDay, formatTime, userName } from '../format';
import type { RoomKind } from '../protocol';
import { peersReadSeq, timelineItems, type Timeline, type TimelineItem } from '../store';

/** Within this many pixels of the bottom, new messages keep the view pinned to the bottom. */
const STICK_PX = 48;
/** Within this many pixels of the top, the previous page is loaded. */
const LOAD_OLDER_PX = 120;

interface Props {
  roomId: string;
  timeline: Timeline;
  kind: RoomKind;
}

export function MessageList({ roomId, timeline, kind }: Props) {
  const client = useClient();
  const meId = useChat((s) => s.me?.id ?? null);
  const users = useChat((s) => s.users);
  const readUpTo = useChat((s) => peersReadSeq(s, roomId, meId));
  const items = timelineItems(timeline);
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const lastKey = useRef<string | null>(null);

  const maybeLoadOlder = useCallback(() => {
    const el = ref.current;
    if (!el || el.scrollTop > LOAD_OLDER_PX || !timeline.hasMoreBefore || anchor.current) return;
    anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    void client.loadOlder(roomId).then((loaded) => {
      if (!loaded) anchor.current = null;
    });
  }, [client, roomId, timeline.hasMoreBefore]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    maybeLoadOlder();
  }, [maybeLoadOlder]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const last = items.length > 0 ? items[items.length - 1] : null;
    const newOwn = last !== null && last.key !== lastKey.current && last.sender_id === meId && last.status === 'pending';
    lastKey.current = last?.key ?? null;
    if (anchor.current && items.length > 0) {
      // An older page was prepended: keep what the user was looking at in place.
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (stick.current || newOwn) {
      el.scrollTop = el.scrollHeight;
      stick.current = true;
    }
    // A first page shorter than the viewport cannot be scrolled: fetch more right away.
    if (el.scrollHeight <= el.clientHeight) maybeLoadOlder();
  }, [items, meId, maybeLoadOlder]);

  return (
    <div className="message-list" data-testid="message-list" ref={ref} onScroll={onScroll} role="log" aria-label="Messages" aria-busy={!timeline.loaded}>
      {timeline.hasMoreBefore && <div className="history-more">Loading earlier messages…</div>}
      {timeline.loaded && items.length === 0 && <div className="history-empty">No messages here yet. Say hello!</div>}
      {!timeline.loaded && items.length === 0 && (
        <div className="history-empty">
          <span className="spinner" aria-label="Loading messages" />
        </div>
      )}
      {items.map((m, i) => {
        const prev = i > 0 ? items[i - 1] : null;
        const newDay = !prev || dayKey(prev.created_at) !== dayKey(m.created_at);
        const firstOfRun = newDay || !prev || prev.sender_id !== m.sender_id;
        return (
          <Fragment key={m.key}>
            {newDay && <div className="day-separator">{formatDay(m.created_at)}</div>}
            <MessageRow
              item={m}
              own={m.sender_id === meId}
              showSender={firstOfRun && m.sender_id !== meId && kind !== 'saved'}
              senderName={userName(users[m.sender_id])}
              read={m.seq !== null && m.seq <= readUpTo && kind !== 'saved'}
              onRetry={() => m.client_msg_id && client.retry(m.client_msg_id)}
            />
          </Fragment>
        );
      })}
    </div>
  );
}

function MessageRow(props: { item: TimelineItem; own: boolean; showSender: boolean; senderName: string; read: boolean; onRetry: () => void }) {
  const { item, own } = props;
  return (
    <div
      className={`message ${own ? 'own' : 'other'} status-${item.status}${props.showSender ? ' first' : ''}`}
      data-testid="message"
      data-seq={item.seq ?? undefined}
      data-status={item.status}
      data-own={own ? 'true' : 'false'}
      data-client-msg-id={item.client_msg_id ?? undefined}
    >
      <div className="bubble">
        {props.showSender && (
          <div className="sender" data-testid="message-sender">
            {props.senderName}
          </div>
        )}
        <div className="body" data-testid="message-body">
          {item.deleted ? <em className="deleted">Message deleted</em> : item.body}
        </div>
        <div className="meta">
          <time dateTime={item.created_at}>{formatTime(item.created_at)}</time>
          {own && item.status === 'pending' && <span className="tick pending" aria-label="Sending" title="Sending" />}
          {own && item.status === 'sent' && (
            <span className={`tick ${props.read ? 'read' : 'sent'}`} aria-label={props.read ? 'Read' : 'Sent'} title={props.read ? 'Read' : 'Sent'}>
              {props.read ? '✓✓' : '✓'}
            </span>
          )}
        </div>
      </div>
      {item.status === 'failed' && (
        <div className="failed-row">
          <span className="failed-text" title={item.error ?? undefined}>
            Not sent{item.error ? `: ${item.error}` : ''}
          </span>
          <button type="button" className="btn btn-link" data-testid="retry" onClick={props.onRetry}>
            Retry
          </button>
        </div>
      )}
    </div>
  );
}
