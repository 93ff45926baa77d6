import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import { useChat, useChatContext, useClient } from '../context';
import { dayKey, formatDay, formatFullDate, formatTime, messagePreview, userName } from '../format';
import { renderMarkdown } from '../markdown';
import { mentionedIds, mentionsMe } from '../mentions';
import type { Message, RoomKind, User } from '../protocol';
import { visibleReactions, type Reaction } from '../reactions';
import { peersReadSeq, timelineItems, type RoomNotice, type Timeline, type TimelineItem } from '../store';
import { AttachmentView } from './Attachment';
import { ReactionPicker, useReactionPicker } from './ReactionPicker';
import { Reactions } from './Reactions';

/** Index of the first row at mount: rows loaded later above it get lower indexes. */
const BASE_INDEX = 1_000_000;

export type Row =
  | {
      kind: 'message';
      key: string;
      item: TimelineItem;
      dayBreak: boolean;
      unreadDivider: boolean;
      showSender: boolean;
    }
  | { kind: 'notice'; key: string; notice: RoomNotice; after_seq: number };

/**
 * The rows of a timeline: messages with their day separators, the unread divider before the
 * first message from someone else after `readUpTo`, and joins and leaves after the message
 * they followed.
 */
export function buildRows(items: TimelineItem[], notices: RoomNotice[], meId: string | null, kind: RoomKind, readUpTo: number | null): Row[] {
  const rows: Row[] = [];
  let n = 0;
  const sorted = [...notices].sort((a, b) => a.after_seq - b.after_seq);
  let prev: TimelineItem | null = null;
  // The divider marks the first unread message only once it is loaded: until then the loaded
  // messages are all unread and the divider belongs further up.
  const firstSeq = items.find((i) => i.seq !== null)?.seq ?? null;
  let divided = readUpTo === null || firstSeq === null || firstSeq > readUpTo + 1;
  for (const item of items) {
    while (n < sorted.length && item.seq !== null && sorted[n].after_seq < item.seq) {
      rows.push({ kind: 'notice', key: sorted[n].key, notice: sorted[n], after_seq: sorted[n].after_seq });
      n++;
    }
    const dayBreak = prev === null || dayKey(prev.created_at) !== dayKey(item.created_at);
    const unreadDivider =
      !divided && readUpTo !== null && item.seq !== null && item.seq > readUpTo && item.sender_id !== meId;
    if (unreadDivider) divided = true;
    const showSender = kind !== 'saved' && kind !== 'direct' && item.sender_id !== meId && (dayBreak || unreadDivider || prev === null || prev.sender_id !== item.sender_id);
    rows.push({ kind: 'message', key: item.key, item, dayBreak, unreadDivider, showSender });
    prev = item;
  }
  for (; n < sorted.length; n++) rows.push({ kind: 'notice', key: sorted[n].key, notice: sorted[n], after_seq: sorted[n].after_seq });
  return rows;
}

/**
 * New rows scroll into view only when the list was at the bottom. The list is given this only
 * while it is at the bottom, and `false` otherwise: react-virtuoso scrolls to the bottom on any
 * later prop change once rows grew below a list that was at the bottom, whenever `followOutput`
 * is anything but `false`, and so pulled a reader who had opened a room at its first unread
 * message (or at a search hit) down to the newest, marking everything read.
 */
const followIfAtBottom = (atBottom: boolean): 'smooth' | false => (atBottom ? 'smooth' : false);

/** "Ann joined", "Ann left", "Bob removed Ann". */
function noticeText(n: RoomNotice, users: Record<string, User>): string {
  const who = userName(users[n.user_id]);
  if (n.kind === 'joined') return `${who} joined`;
  return n.by ? `${userName(users[n.by])} removed ${who}` : `${who} left`;
}

function rowSeq(r: Row): number | null {
  return r.kind === 'message' ? r.item.seq : r.after_seq;
}

export interface MessageActions {
  onReply: (item: TimelineItem) => void;
  onEdit: (item: TimelineItem) => void;
  onDelete: (item: TimelineItem) => void;
  onInfo: (item: TimelineItem) => void;
  /** Adds (`on`) or takes back my reaction with `emoji`. */
  onReact: (item: TimelineItem, emoji: string, on: boolean) => void;
  /** Shows who reacted to the message. */
  onWho: (item: TimelineItem) => void;
  /** Pins (`on`) or unpins the message. */
  onPin: (item: TimelineItem, on: boolean) => void;
  /** Asks where to forward the message. */
  onForward: (item: TimelineItem) => void;
}

interface Props extends MessageActions {
  roomId: string;
  timeline: Timeline;
  kind: RoomKind;
  /** My read position when the room was opened (the unread divider goes after it). */
  readUpTo: number | null;
  /** Whether I may delete other people's messages (owner or admin of a group). */
  moderator: boolean;
  /** Whether I may pin and unpin messages (owner or admin; anyone in a direct chat). */
  canPin: boolean;
  /** Told the newest message on screen whenever it changes (what may be marked read). */
  onSeen?: (seq: number | null) => void;
}

export function MessageList(props: Props) {
  const { timeline } = props;
  if (!timeline.loaded) {
    return (
      <div className="message-pane">
        <div className="history-empty">
          <span className="spinner" aria-label="Loading messages" />
        </div>
      </div>
    );
  }
  // Mounted once the latest page is here, so the first scroll position is computed from it.
  return <LoadedList {...props} />;
}

/**
 * Which messages are on screen: an IntersectionObserver on the list's scroller watches every
 * rendered message row, and the newest one at least half in view (or filling half the view) is
 * reported. Returns the ref callback for a row.
 */
function useOnScreen(scroller: HTMLElement | null, onSeen: ((seq: number | null) => void) | undefined) {
  const visible = useRef(new Set<number>());
  const report = useRef(onSeen);
  report.current = onSeen;
  const observer = useMemo(() => {
    if (!scroller || typeof IntersectionObserver === 'undefined') return null;
    const publish = () => report.current?.(visible.current.size > 0 ? Math.max(...visible.current) : null);
    return new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          const seq = Number((e.target as HTMLElement).dataset.seq);
          if (!Number.isFinite(seq)) continue;
          const rootHeight = e.rootBounds?.height ?? 0;
          const seen = e.isIntersecting && (e.intersectionRatio >= 0.5 || e.intersectionRect.height >= rootHeight / 2);
          if (seen) visible.current.add(seq);
          else visible.current.delete(seq);
        }
        publish();
      },
      { root: scroller, threshold: [0, 0.25, 0.5, 0.75, 1] },
    );
  }, [scroller]);
  useEffect(() => () => observer?.disconnect(), [observer]);
  return useCallback(
    (el: HTMLElement | null) => {
      if (!el || !observer) return;
      observer.observe(el);
      return () => {
        observer.unobserve(el);
        const seq = Number(el.dataset.seq);
        if (Number.isFinite(seq)) visible.current.delete(seq);
      };
    },
    [observer],
  );
}

function LoadedList({ roomId, timeline, kind, readUpTo, moderator, canPin, onSeen, ...actions }: Props) {
  const client = useClient();
  const { store } = useChatContext();
  const meId = useChat((s) => s.me?.id ?? null);
  const users = useChat((s) => s.users);
  const blocked = useChat((s) => s.blocked);
  const peersRead = useChat((s) => peersReadSeq(s, roomId, meId));
  const readByAll = useChat((s) => s.readByAll[roomId] ?? 0);
  const notices = useChat((s) => s.notices[roomId]);
  const focus = useChat((s) => (s.focus?.room_id === roomId ? s.focus.seq : null));
  const focusHighlight = useChat((s) => s.focus?.highlight ?? true);
  const pins = useChat((s) => s.pins[roomId]);
  const pinned = useMemo(() => new Set(pins?.map((p) => p.message.seq)), [pins]);
  const items = timelineItems(timeline);
  const rows = useMemo(() => buildRows(items, notices ?? [], meId, kind, readUpTo), [items, notices, meId, kind, readUpTo]);
  const byId = useMemo(() => {
    const m = new Map<string, Message>();
    for (const msg of timeline.messages) m.set(msg.id, msg);
    return m;
  }, [timeline.messages]);
  const list = useRef<VirtuosoHandle>(null);
  const [highlight, setHighlight] = useState<number | null>(null);
  const [scroller, setScroller] = useState<HTMLElement | null>(null);
  const watch = useOnScreen(scroller, onSeen);
  // Not yet seen (marked read), shown on the jump button while scrolled up.
  const unseen = useChat((s) => s.rooms.find((r) => r.id === roomId)?.unread ?? 0);

  // Rows loaded above the first one shown at mount get indexes below BASE_INDEX, so Virtuoso
  // keeps the rows on screen where they are when an older page arrives.
  const anchor = useRef<number | null>(null);
  const firstSeq = rows.length > 0 ? rowSeq(rows[0]) : null;
  if (anchor.current === null && firstSeq !== null) anchor.current = firstSeq;
  const above = anchor.current === null ? 0 : rows.filter((r) => {
    const seq = rowSeq(r);
    return seq !== null && seq < (anchor.current ?? 0);
  }).length;
  const firstItemIndex = BASE_INDEX - above;

  const dividerIndex = rows.findIndex((r) => r.kind === 'message' && r.unreadDivider);
  // Open at the first unread message; at the oldest loaded one when even that is unread.
  const unreadAbove = readUpTo !== null && firstSeq !== null && firstSeq > readUpTo + 1;
  // A message to show (a search hit, or where a reload left off) comes first.
  const focusIndex = focus === null ? -1 : rows.findIndex((r) => r.kind === 'message' && r.item.seq === focus);
  const [initialIndex] = useState(() =>
    focusIndex >= 0 ? focusIndex : dividerIndex >= 0 ? dividerIndex : unreadAbove ? 0 : Math.max(0, rows.length - 1),
  );
  const [initialAlign] = useState<'start' | 'center' | 'end'>(() =>
    focusIndex >= 0 ? (focusHighlight ? 'center' : 'end') : dividerIndex >= 0 || unreadAbove ? 'start' : 'end',
  );
  // Opened at the newest message, the list is at the bottom; opened above it, it is not.
  const [atBottom, setAtBottom] = useState(initialAlign === 'end' && initialIndex === rows.length - 1);

  // My own new message always scrolls into view.
  const last = rows.length > 0 ? rows[rows.length - 1] : null;
  const lastOwnPending = last?.kind === 'message' && last.item.sender_id === meId && last.item.status === 'pending' ? last.key : null;
  useEffect(() => {
    if (lastOwnPending) list.current?.scrollToIndex({ index: rows.length - 1, align: 'end' });
    // Only a new pending key should scroll; rows.length follows from it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [lastOwnPending]);
  // So does a file I send: it arrives stored, never pending. Not one the room opened with.
  const lastOwnFile = last?.kind === 'message' && last.item.sender_id === meId && last.item.attachment ? last.key : null;
  const ownFileAtLoad = useRef<string | null | undefined>(timeline.loaded ? lastOwnFile : undefined);
  useEffect(() => {
    if (ownFileAtLoad.current === undefined) {
      if (timeline.loaded) ownFileAtLoad.current = lastOwnFile;
      return;
    }
    if (lastOwnFile === null || lastOwnFile === ownFileAtLoad.current) return;
    ownFileAtLoad.current = lastOwnFile;
    list.current?.scrollToIndex({ index: rows.length - 1, align: 'end' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [lastOwnFile, timeline.loaded]);

  // A search hit: scroll to it and highlight it for a moment.
  useEffect(() => {
    if (focus === null) return;
    const i = rows.findIndex((r) => r.kind === 'message' && r.item.seq === focus);
    if (i < 0) return;
    list.current?.scrollToIndex({ index: i, align: focusHighlight ? 'center' : 'end' });
    store.dispatch({ type: 'focus_done' });
    if (focusHighlight) setHighlight(focus);
  }, [focus, focusHighlight, rows, store]);

  // The highlight stays until the reader moves on: a wheel, a touch, a click or a key in the
  // history (not a timer, which a slow reader or a busy machine would outrun; and not the
  // focus being handled, which used to cancel the timer and leave it for good).
  const pane = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = pane.current;
    if (highlight === null || !el) return;
    const clear = () => setHighlight(null);
    const events = ['wheel', 'touchstart', 'pointerdown', 'keydown'] as const;
    for (const e of events) el.addEventListener(e, clear, { passive: true });
    return () => {
      for (const e of events) el.removeEventListener(e, clear);
    };
  }, [highlight]);

  const ssr = typeof window === 'undefined';
  // Reactions of people I blocked are left out, as their messages are.
  const blockedUser = (id: string) => blocked[id] === true && id !== meId;
  const reactorName = (id: string) => userName(users[id]);
  const loadReactors = (ids: string[]) => {
    for (const id of ids) if (!users[id]) void client.ensureUser(id);
  };

  return (
    <div className="message-pane" ref={pane}>
      {rows.length === 0 && <div className="history-empty">No messages here yet. Say hello!</div>}
      <Virtuoso
        ref={list}
        scrollerRef={(el) => setScroller(el instanceof HTMLElement ? el : null)}
        className="message-list"
        data-testid="message-list"
        role="log"
        aria-label="Messages"
        data={rows}
        firstItemIndex={firstItemIndex}
        initialTopMostItemIndex={{ index: initialIndex, align: initialAlign }}
        initialItemCount={ssr ? rows.length : undefined}
        computeItemKey={(_, row) => row.key}
        startReached={() => {
          if (timeline.hasMoreBefore) void client.loadOlder(roomId);
        }}
        followOutput={atBottom ? followIfAtBottom : false}
        atBottomStateChange={setAtBottom}
        atBottomThreshold={48}
        increaseViewportBy={{ top: 400, bottom: 200 }}
        components={{
          Header: () => (timeline.hasMoreBefore ? <div className="history-more">Loading earlier messages…</div> : null),
        }}
        itemContent={(_, row) =>
          row.kind === 'notice' ? (
            <div className="room-notice" data-testid="room-notice">
              {noticeText(row.notice, users)}
            </div>
          ) : (
            <>
              {row.dayBreak && <div className="day-separator">{formatDay(row.item.created_at)}</div>}
              {row.unreadDivider && (
                <div className="unread-divider" data-testid="unread-divider">
                  <span>Unread messages</span>
                </div>
              )}
              <MessageRow
                item={row.item}
                hidden={blocked[row.item.sender_id] === true && row.item.sender_id !== meId}
                own={row.item.sender_id === meId}
                showSender={row.showSender}
                senderName={userName(users[row.item.sender_id])}
                receipt={receiptOf(row.item, kind, peersRead, readByAll)}
                replied={row.item.reply_to ? (byId.get(row.item.reply_to) ?? null) : null}
                repliedHidden={blocked[byId.get(row.item.reply_to ?? '')?.sender_id ?? ''] === true}
                repliedName={row.item.reply_to ? userName(users[byId.get(row.item.reply_to)?.sender_id ?? '']) : ''}
                highlight={highlight !== null && row.item.seq === highlight}
                canDelete={row.item.sender_id === meId || moderator}
                canPin={canPin}
                pinned={row.item.seq !== null && pinned.has(row.item.seq)}
                forwardedName={row.item.forwarded_from ? userName(users[row.item.forwarded_from.sender_id]) : ''}
                kind={kind}
                onRetry={() => row.item.client_msg_id && client.retry(row.item.client_msg_id)}
                watch={row.item.seq !== null ? watch : undefined}
                reactions={visibleReactions(row.item.reactions, blockedUser)}
                meId={meId}
                reactorName={reactorName}
                onReactorsHover={loadReactors}
                users={users}
                {...actions}
              />
            </>
          )
        }
      />
      {(!atBottom || unseen > 0) && rows.length > 0 && (
        <button
          type="button"
          className="btn jump-latest"
          data-testid="jump-latest"
          aria-label={unseen > 0 ? `${unseen} new ${unseen === 1 ? 'message' : 'messages'}: jump to the latest` : 'Jump to the latest message'}
          onClick={() => list.current?.scrollToIndex({ index: 'LAST', align: 'end' })}
        >
          {unseen > 0 && (
            <span className="jump-count" data-testid="new-count">
              {unseen} new
            </span>
          )}
          ↓
        </button>
      )}
    </div>
  );
}

type Receipt = 'none' | 'pending' | 'sent' | 'read' | 'read-all';

function receiptOf(item: TimelineItem, kind: RoomKind, peersRead: number, readByAll: number): Receipt {
  if (kind === 'saved') return 'none';
  if (item.status === 'pending') return 'pending';
  if (item.status !== 'sent' || item.seq === null) return 'none';
  if (item.seq <= readByAll) return 'read-all';
  if (item.seq <= peersRead) return 'read';
  return 'sent';
}

const RECEIPT_LABEL: Record<Receipt, string> = {
  none: '',
  pending: 'Sending',
  sent: 'Sent',
  read: 'Read',
  'read-all': 'Read by everyone',
};

/**
 * The message's Markdown as HTML: markdown-it with raw HTML off and only the safe subset
 * (markdown.ts); mentions with the current names (fetched when not known yet, then shown).
 */
function Body({ text, users, meId }: { text: string; users: Record<string, User>; meId: string | null }) {
  const client = useClient();
  useEffect(() => {
    for (const id of mentionedIds(text)) if (!users[id]) void client.ensureUser(id);
  }, [client, text, users]);
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(text, { users, meId }) }} />;
}

function MessageRow(
  props: {
    item: TimelineItem;
    own: boolean;
    showSender: boolean;
    senderName: string;
    receipt: Receipt;
    replied: Message | null;
    repliedName: string;
    highlight: boolean;
    canDelete: boolean;
    canPin: boolean;
    pinned: boolean;
    /** Who wrote the original of a forwarded message. */
    forwardedName: string;
    kind: RoomKind;
    /** From someone I blocked: shown as hidden, without its text. */
    hidden?: boolean;
    repliedHidden?: boolean;
    /** Its reactions as shown: without those of people I blocked. */
    reactions: Reaction[];
    meId: string | null;
    reactorName: (id: string) => string;
    /** A chip is pointed at: load the names of its reactors. */
    onReactorsHover: (ids: string[]) => void;
    /** The users known: the names mentions show. */
    users: Record<string, User>;
    onRetry: () => void;
    /** Watches the row for being on screen (stored messages only). */
    watch?: (el: HTMLElement | null) => (() => void) | undefined;
  } & MessageActions,
) {
  const { item, own } = props;
  const sent = item.status === 'sent' && item.seq !== null && !item.deleted;
  // Reactions go on stored messages I can see.
  const reactable = sent && !props.hidden;
  const picker = useReactionPicker();
  // On phones the actions are behind a tap on the message (CSS shows them only when open).
  const [actionsOpen, setActionsOpen] = useState(false);
  const act = (f: (item: TimelineItem) => void) => () => {
    setActionsOpen(false);
    f(item);
  };
  // Someone else's message that mentions me (or everyone) stands out.
  const mentioned = !own && !item.deleted && !props.hidden && mentionsMe(item.body, props.meId);
  return (
    <div
      ref={props.watch}
      className={`message ${own ? 'own' : 'other'} status-${item.status}${props.showSender ? ' first' : ''}${props.highlight ? ' highlight' : ''}${mentioned ? ' mentioned' : ''}${actionsOpen ? ' actions-open' : ''}`}
      data-testid="message"
      data-seq={item.seq ?? undefined}
      data-status={item.status}
      data-own={own ? 'true' : 'false'}
      data-client-msg-id={item.client_msg_id ?? undefined}
      data-receipt={own ? props.receipt : undefined}
      data-mentions-me={mentioned ? 'true' : undefined}
    >
      <div
        className="bubble"
        data-testid="bubble"
        onClick={(e) => {
          // A link (or formatted text inside one) opens the link, a picture the viewer, not the actions.
          if (sent && !(e.target as Element).closest('a, button, .image-viewer')) setActionsOpen((o) => !o);
        }}
      >
        {props.showSender && (
          <div className="sender" data-testid="message-sender">
            {props.senderName}
          </div>
        )}
        {item.forwarded_from && !item.deleted && !props.hidden && (
          <div className="forwarded" data-testid="forwarded-from">
            Forwarded from <span className="forwarded-name">{props.forwardedName}</span>
          </div>
        )}
        {item.reply_to && (
          <div className="reply-quote" data-testid="reply-quote">
            {props.replied ? (
              <>
                <span className="reply-name">{props.repliedName}</span>
                <span className="reply-text">
                  {props.repliedHidden ? 'Message from someone you blocked' : props.replied.deleted ? 'Message deleted' : messagePreview(props.replied, 60, props.users)}
                </span>
              </>
            ) : (
              <span className="reply-text">Reply to an earlier message</span>
            )}
          </div>
        )}
        <div className="body" data-testid="message-body">
          {props.hidden ? (
            <em className="deleted" data-testid="hidden-message">
              Message from someone you blocked
            </em>
          ) : item.deleted ? (
            <em className="deleted">Message deleted</em>
          ) : (
            <>
              {item.attachment && item.seq !== null && <AttachmentView roomId={item.room_id} seq={item.seq} attachment={item.attachment} />}
              {/* The caption, if any, under the file. */}
              {(item.body !== '' || !item.attachment) && <Body text={item.body} users={props.users} meId={props.meId} />}
            </>
          )}
        </div>
        <div className="meta">
          {props.pinned && !item.deleted && (
            <span className="edited" data-testid="pinned-mark">
              pinned
            </span>
          )}
          {item.edited && !item.deleted && <span className="edited" data-testid="edited">edited</span>}
          <time dateTime={item.created_at} title={formatFullDate(item.created_at)} data-testid="message-time">
            {formatTime(item.created_at)}
          </time>
          {own && props.receipt !== 'none' && (
            <span
              className={`tick ${props.receipt}`}
              data-testid="receipt"
              aria-label={RECEIPT_LABEL[props.receipt]}
              title={RECEIPT_LABEL[props.receipt]}
            >
              {props.receipt === 'pending' ? '…' : props.receipt === 'sent' ? '✓' : '✓✓'}
            </span>
          )}
        </div>
      </div>
      {reactable && picker.place && (
        <ReactionPicker place={picker.place} onPick={(emoji) => props.onReact(item, emoji, true)} onClose={picker.close} />
      )}
      {reactable && (
        <Reactions
          reactions={props.reactions}
          meId={props.meId ?? undefined}
          name={props.reactorName}
          onToggle={(emoji, on) => props.onReact(item, emoji, on)}
          onHover={props.onReactorsHover}
        />
      )}
      {sent && (
        <div className="message-actions" role="group" aria-label="Message actions">
          {reactable && (
            <button
              type="button"
              className="btn btn-link"
              data-testid="react"
              {...picker.button}
              onClick={(e) => {
                setActionsOpen(false);
                picker.button.onClick(e);
              }}
            >
              React
            </button>
          )}
          {props.kind !== 'saved' && (
            <button type="button" className="btn btn-link" data-testid="reply" onClick={act(props.onReply)}>
              Reply
            </button>
          )}
          {reactable && (
            <button type="button" className="btn btn-link" data-testid="forward" onClick={act(props.onForward)}>
              Forward
            </button>
          )}
          {reactable && props.canPin && (
            <button
              type="button"
              className="btn btn-link"
              data-testid={props.pinned ? 'unpin-message' : 'pin'}
              onClick={act((i) => props.onPin(i, !props.pinned))}
            >
              {props.pinned ? 'Unpin' : 'Pin'}
            </button>
          )}
          {/* A forwarded copy is not edited (the server refuses). */}
          {/* Nor a file without a caption (a message's text is never emptied). */}
          {own && !item.forwarded_from && !(item.attachment && item.body === '') && (
            <button type="button" className="btn btn-link" data-testid="edit" onClick={act(props.onEdit)}>
              Edit
            </button>
          )}
          {props.canDelete && (
            <button type="button" className="btn btn-link" data-testid="delete" onClick={act(props.onDelete)}>
              Delete
            </button>
          )}
          {own && props.kind !== 'saved' && (
            <button type="button" className="btn btn-link" data-testid="info" onClick={act(props.onInfo)}>
              Seen by
            </button>
          )}
          {reactable && props.reactions.length > 0 && (
            <button type="button" className="btn btn-link" data-testid="who-reacted" onClick={act(props.onWho)}>
              Reactions
            </button>
          )}
        </div>
      )}
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
