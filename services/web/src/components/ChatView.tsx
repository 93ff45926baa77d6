import { useEffect, useState, type DragEvent } from 'react';
import { useChat, useClient } from '../context';
import { lastSeenText, plural, roomTitle, typingText, userName } from '../format';
import { places } from '../local';
import { visibleReactions } from '../reactions';
import { emptyTimeline, knownPresence, type TimelineItem } from '../store';
import { Avatar } from './Avatar';
import { Composer, type ComposeMode } from './Composer';
import { ForwardDialog } from './ForwardDialog';
import { MembersPanel } from './MembersPanel';
import { MessageList } from './MessageList';
import { PinnedBar } from './PinnedBar';
import { ReactionsDialog } from './ReactionsDialog';
import { ReadersDialog } from './ReadersDialog';

/**
 * Whether the person is looking: the tab is visible and its window has the focus. Only then is
 * what is on screen marked read.
 */
function useAttentive(): boolean {
  const now = () => typeof document === 'undefined' || (document.visibilityState === 'visible' && document.hasFocus());
  const [attentive, setAttentive] = useState(now);
  useEffect(() => {
    const f = () => setAttentive(now());
    document.addEventListener('visibilitychange', f);
    window.addEventListener('focus', f);
    window.addEventListener('blur', f);
    return () => {
      document.removeEventListener('visibilitychange', f);
      window.removeEventListener('focus', f);
      window.removeEventListener('blur', f);
    };
  }, []);
  return attentive;
}

export function ChatView() {
  const roomId = useChat((s) => s.selectedRoomId);
  if (!roomId) {
    return (
      <main className="chat chat-empty">
        <p>Select a chat or start a new one.</p>
      </main>
    );
  }
  return <OpenChat key={roomId} roomId={roomId} />;
}

function OpenChat({ roomId }: { roomId: string }) {
  const client = useClient();
  const room = useChat((s) => s.rooms.find((r) => r.id === roomId));
  const users = useChat((s) => s.users);
  const presence = useChat(knownPresence);
  const lastSeen = useChat((s) => s.lastSeen);
  const members = useChat((s) => s.members[roomId]);
  const timeline = useChat((s) => s.timelines[roomId]) ?? emptyTimeline;
  const typing = useChat((s) => s.typing[roomId]);
  const blocked = useChat((s) => s.blocked);
  const addedBy = useChat((s) => s.addedBy[roomId]);
  const attentive = useAttentive();
  // The newest message on screen now (the list reports it as it scrolls).
  const [onScreen, setOnScreen] = useState<number | null>(null);
  const [mode, setMode] = useState<ComposeMode>({ kind: 'new' });
  const [panel, setPanel] = useState(false);
  const [readers, setReaders] = useState<TimelineItem | null>(null);
  // The message being forwarded, while its dialog asks where to.
  const [forwarding, setForwarding] = useState<TimelineItem | null>(null);
  // Who reacted to the message at this seq: read from the store, so it stays live while open.
  const [whoSeq, setWhoSeq] = useState<number | null>(null);
  const meId = useChat((s) => s.me?.id ?? null);
  const whoReactions = useChat((s) =>
    whoSeq === null ? null : (s.timelines[roomId]?.messages.find((m) => m.seq === whoSeq)?.reactions ?? null),
  );
  useEffect(() => {
    for (const r of whoReactions ?? []) for (const id of r.user_ids) void client.ensureUser(id);
  }, [client, whoReactions]);
  // Where I had read up to when I opened the room: the unread divider stays there.
  const [readUpTo] = useState(() => (room && room.unread > 0 ? room.last_read_seq : null));

  // Read means seen: what has been on screen while the person was looking, never further.
  useEffect(() => {
    if (onScreen !== null && attentive) client.markRead(roomId, onScreen);
  }, [client, roomId, onScreen, attentive]);
  // Where this room is read, for a reload.
  useEffect(() => {
    if (onScreen !== null) places.set(roomId, onScreen);
  }, [roomId, onScreen]);

  const title = room ? roomTitle(room, users) : '…';
  const peerId = room?.kind === 'direct' ? room.peer_id : null;
  const peer = peerId ? users[peerId] : undefined;
  // While this app's own socket is down, nobody's presence is known.
  const connected = useChat((s) => s.connection === 'online');
  const peerOnline = peerId && connected ? (presence[peerId] ?? peer?.online ?? false) : false;
  let subtitle = '';
  if (room?.kind === 'saved') subtitle = 'Notes to yourself';
  else if (room?.kind === 'direct')
    subtitle = !connected ? 'connecting…' : peerOnline ? 'online' : lastSeenText(lastSeen[peerId ?? ''] ?? peer?.last_seen_at);
  else if (room) {
    const online = (members ?? []).filter((m) => presence[m.user_id]).length;
    subtitle = `${plural(room.member_count, 'member')}${online > 0 ? `, ${online} online` : ''}${room.kind === 'public' ? ' · public' : ''}`;
    if (room.topic) subtitle += ` · ${room.topic}`;
  }
  const typingNames = Object.keys(typing ?? {}).map((id) => userName(users[id]));
  const moderator = room?.my_role === 'owner' || room?.my_role === 'admin';
  const isGroup = room?.kind === 'group' || room?.kind === 'public';
  // Owners and admins pin in groups; either person in a direct chat (and I in my saved messages).
  const canPin = room !== undefined && (!isGroup || moderator);
  // Files dropped on the chat are sent to it (not where nobody can write).
  const writable = !(peerId && blocked[peerId]);
  const [dragging, setDragging] = useState(false);
  const withFiles = (e: DragEvent) => writable && Array.from(e.dataTransfer.types).includes('Files');

  return (
    <main className={`chat${panel ? ' with-panel' : ''}`} aria-label={title}>
      <div
        className={`chat-column${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          if (!withFiles(e)) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={(e) => {
          setDragging(false);
          if (!withFiles(e)) return;
          e.preventDefault();
          client.uploads.addAll(roomId, Array.from(e.dataTransfer.files));
        }}
      >
        <header className="chat-header">
          <button type="button" className="btn btn-ghost btn-icon back" aria-label="Back to chats" data-testid="back" onClick={() => client.selectRoom(null)}>
            ←
          </button>
          <Avatar id={room?.id ?? roomId} name={title} saved={room?.kind === 'saved'} online={room?.kind === 'direct' && peerOnline} />
          <div className="chat-title">
            <h2 data-testid="chat-title">{title}</h2>
            {subtitle && (
              <span className={`chat-subtitle${peerOnline ? ' online' : ''}`} data-testid="chat-subtitle">
                {subtitle}
              </span>
            )}
          </div>
          {room && room.kind !== 'saved' && (
            <button
              type="button"
              className="btn btn-ghost"
              data-testid="mute"
              aria-pressed={room.muted}
              title="Notifications from this chat (Telegram and desktop)"
              onClick={() => void client.setMute(roomId, !room.muted)}
            >
              {room.muted ? 'Unmute' : 'Mute'}
            </button>
          )}
          {peerId && (
            <button
              type="button"
              className="btn btn-ghost"
              data-testid="block-peer"
              aria-pressed={blocked[peerId] === true}
              onClick={() => {
                if (blocked[peerId] || window.confirm(`Block ${title}? You will see nothing from them, and neither of you can start this chat again.`)) {
                  void client.setBlocked(peerId, !blocked[peerId]);
                }
              }}
            >
              {blocked[peerId] ? 'Unblock' : 'Block'}
            </button>
          )}
          {isGroup && (
            <button type="button" className="btn btn-ghost" data-testid="members-toggle" aria-expanded={panel} onClick={() => setPanel(!panel)}>
              Members
            </button>
          )}
        </header>
        {addedBy && (
          <div className="added-banner" role="status" data-testid="added-banner">
            <span>{userName(users[addedBy])} added you to this group.</span>
            <button type="button" className="btn btn-link danger" data-testid="leave-added" onClick={() => void client.leaveRoom(roomId)}>
              Leave
            </button>
            <button type="button" className="btn btn-link" data-testid="stay-added" onClick={() => client.dismissAdded(roomId)}>
              Stay
            </button>
          </div>
        )}
        <PinnedBar roomId={roomId} canPin={canPin} />
        <MessageList
          key={`${roomId}:${timeline.epoch}`}
          roomId={roomId}
          timeline={timeline}
          kind={room?.kind ?? 'direct'}
          readUpTo={readUpTo}
          onSeen={setOnScreen}
          moderator={isGroup && moderator}
          canPin={canPin}
          onReply={(item) => setMode({ kind: 'reply', item, name: userName(users[item.sender_id]) })}
          onEdit={(item) => setMode({ kind: 'edit', item })}
          onDelete={(item) => {
            if (item.seq !== null && window.confirm('Delete this message for everyone?')) void client.deleteMessage(roomId, item.seq);
          }}
          onInfo={(item) => setReaders(item)}
          onReact={(item, emoji, on) => {
            if (item.seq !== null) void client.react(roomId, item.seq, emoji, on);
          }}
          onWho={(item) => setWhoSeq(item.seq)}
          onPin={(item, on) => {
            if (item.seq !== null) void client.setPinned(roomId, item.seq, on);
          }}
          onForward={setForwarding}
        />
        <div className="typing-slot">
          {typingNames.length > 0 && (
            <span className="typing" data-testid="typing-indicator" aria-live="polite">
              {typingText(typingNames)}
            </span>
          )}
        </div>
        {peerId && blocked[peerId] ? (
          <div className="added-banner" role="status" data-testid="blocked-composer">
            <span>You blocked {title}. Neither of you can write here until you unblock them.</span>
          </div>
        ) : (
          <Composer key={`composer-${roomId}`} roomId={roomId} mode={mode} onDone={() => setMode({ kind: 'new' })} />
        )}
      </div>
      {panel && room && <MembersPanel room={room} onClose={() => setPanel(false)} />}
      {forwarding?.id && (
        <ForwardDialog
          onClose={() => setForwarding(null)}
          onPick={(to, toTitle) => {
            const id = forwarding.id;
            setForwarding(null);
            if (id) void client.forward(to, { id }).then((copy) => copy && client.notice(`Forwarded to ${toTitle}.`));
          }}
        />
      )}
      {readers && readers.seq !== null && <ReadersDialog roomId={roomId} seq={readers.seq} onClose={() => setReaders(null)} />}
      {whoSeq !== null && (
        <ReactionsDialog
          reactions={visibleReactions(whoReactions ?? [], (id) => blocked[id] === true && id !== meId)}
          name={(id) => (id === meId ? 'You' : userName(users[id]))}
          onClose={() => setWhoSeq(null)}
        />
      )}
    </main>
  );
}
