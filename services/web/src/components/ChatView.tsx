import { useEffect, useState } from 'react';
import { useChat, useClient } from '../context';
import { roomTitle, typingText, userName, formatShortDate } from '../format';
import { emptyTimeline, lastSeq } from '../store';
import { Avatar } from './Avatar';
import { Composer } from './Composer';
import { MessageList } from './MessageList';

function useDocumentVisible(): boolean {
  const [visible, setVisible] = useState(() => typeof document === 'undefined' || document.visibilityState === 'visible');
  useEffect(() => {
    const f = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', f);
    return () => document.removeEventListener('visibilitychange', f);
  }, []);
  return visible;
}

export function ChatView() {
  const client = useClient();
  const roomId = useChat((s) => s.selectedRoomId);
  const room = useChat((s) => (roomId ? s.rooms.find((r) => r.id === roomId) : undefined));
  const users = useChat((s) => s.users);
  const presence = useChat((s) => s.presence);
  const timeline = useChat((s) => (roomId ? s.timelines[roomId] : undefined)) ?? emptyTimeline;
  const typing = useChat((s) => (roomId ? s.typing[roomId] : undefined));
  const visible = useDocumentVisible();
  const highest = lastSeq(timeline);

  // Mark read whenever new messages are shown in a visible tab.
  useEffect(() => {
    if (roomId && highest !== null && visible) client.markRead(roomId, highest);
  }, [client, roomId, highest, visible]);

  if (!roomId) {
    return (
      <main className="chat chat-empty">
        <p>Select a chat or start a new one.</p>
      </main>
    );
  }

  const title = room ? roomTitle(room, users) : '…';
  const peer = room?.kind === 'direct' && room.peer_id ? users[room.peer_id] : undefined;
  const peerOnline = room?.peer_id ? (presence[room.peer_id] ?? peer?.online ?? false) : false;
  let subtitle = '';
  if (room?.kind === 'saved') subtitle = 'Notes to yourself';
  else if (room?.kind === 'direct') {
    subtitle = peerOnline ? 'online' : peer?.last_seen_at ? `last seen ${formatShortDate(peer.last_seen_at)}` : '';
  } else if (room) subtitle = `${room.member_count} members`;

  const typingNames = Object.keys(typing ?? {}).map((id) => userName(users[id]));

  return (
    <main className="chat" aria-label={title}>
      <header className="chat-header">
        <button type="button" className="btn btn-ghost btn-icon back" aria-label="Back to chats" data-testid="back" onClick={() => client.selectRoom(null)}>
          ←
        </button>
        <Avatar id={room?.id ?? roomId} name={title} saved={room?.kind === 'saved'} online={room?.kind === 'direct' && peerOnline} />
        <div className="chat-title">
          <h2 data-testid="chat-title">{title}</h2>
          {subtitle && <span className={`chat-subtitle${peerOnline ? ' online' : ''}`}>{subtitle}</span>}
        </div>
      </header>
      <MessageList key={roomId} roomId={roomId} timeline={timeline} kind={room?.kind ?? 'direct'} />
      <div className="typing-slot">
        {typingNames.length > 0 && (
          <span className="typing" data-testid="typing-indicator" aria-live="polite">
            {typingText(typingNames)}
          </span>
        )}
      </div>
      <Composer key={`composer-${roomId}`} roomId={roomId} />
    </main>
  );
}
