import { useState } from 'react';
import { useChat, useClient } from '../context';
import { formatShortDate, roomPreview, roomTitle, SAVED_MESSAGES, userName } from '../format';
import type { RoomSummary } from '../protocol';
import { Avatar } from './Avatar';
import { ConnectionState } from './ConnectionState';
import { UserDirectory } from './UserDirectory';

export function Sidebar({ onLogout }: { onLogout: () => void }) {
  const client = useClient();
  const me = useChat((s) => s.me);
  const rooms = useChat((s) => s.rooms);
  const roomsLoaded = useChat((s) => s.roomsLoaded);
  const users = useChat((s) => s.users);
  const presence = useChat((s) => s.presence);
  const selected = useChat((s) => s.selectedRoomId);
  const [directory, setDirectory] = useState(false);

  const saved = rooms.find((r) => r.kind === 'saved') ?? null;
  const others = rooms.filter((r) => r.kind !== 'saved');
  const meId = me?.id ?? null;

  return (
    <aside className="sidebar" aria-label="Chats">
      <header className="sidebar-header">
        <div className="me">
          {me && <Avatar id={me.id} name={userName(me)} />}
          <div className="me-text">
            <span className="me-name" data-testid="me-name">
              {userName(me ?? undefined)}
            </span>
            {me && <span className="me-username">@{me.username}</span>}
          </div>
        </div>
        <ConnectionState />
        <button type="button" className="btn btn-ghost" data-testid="logout" onClick={onLogout}>
          Log out
        </button>
      </header>

      {directory ? (
        <UserDirectory
          onClose={() => setDirectory(false)}
          onPick={(userId) => {
            setDirectory(false);
            void client.openDirect(userId);
          }}
        />
      ) : (
        <>
          <div className="sidebar-actions">
            <button type="button" className="btn btn-primary btn-block" data-testid="new-chat" onClick={() => setDirectory(true)}>
              New chat
            </button>
          </div>
          <ul className="room-list" data-testid="room-list" aria-label="Rooms">
            <li>
              <RoomButton
                id={saved?.id ?? 'saved'}
                kind="saved"
                title={SAVED_MESSAGES}
                preview={saved ? roomPreview(saved, meId, users) : 'Notes to yourself'}
                time={saved?.last_message ? formatShortDate(saved.last_activity_at) : ''}
                unread={saved?.unread ?? 0}
                active={selected !== null && saved?.id === selected}
                onClick={() => (saved ? client.selectRoom(saved.id) : void client.openSaved())}
                saved
              />
            </li>
            {others.map((r) => (
              <li key={r.id}>
                <RoomButton
                  id={r.id}
                  kind={r.kind}
                  title={roomTitle(r, users)}
                  preview={roomPreview(r, meId, users)}
                  time={r.last_message ? formatShortDate(r.last_activity_at) : ''}
                  unread={r.unread}
                  active={r.id === selected}
                  online={peerOnline(r, presence)}
                  onClick={() => client.selectRoom(r.id)}
                />
              </li>
            ))}
            {roomsLoaded && others.length === 0 && (
              <li className="room-list-empty">No chats yet. Start one with “New chat”.</li>
            )}
          </ul>
        </>
      )}
    </aside>
  );
}

function peerOnline(r: RoomSummary, presence: Record<string, boolean>): boolean {
  return r.kind === 'direct' && r.peer_id !== null && presence[r.peer_id] === true;
}

function RoomButton(props: {
  id: string;
  kind: string;
  title: string;
  preview: string;
  time: string;
  unread: number;
  active: boolean;
  online?: boolean;
  saved?: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className={`room-item${props.active ? ' active' : ''}${props.unread > 0 ? ' has-unread' : ''}`}
      data-testid="room-item"
      data-room-id={props.id}
      data-kind={props.kind}
      data-unread={props.unread}
      aria-current={props.active ? 'true' : undefined}
      onClick={props.onClick}
    >
      <Avatar id={props.id} name={props.title} online={props.online} saved={props.saved} />
      <span className="room-main">
        <span className="room-top">
          <span className="room-name" data-testid="room-name">
            {props.title}
          </span>
          <span className="room-time">{props.time}</span>
        </span>
        <span className="room-bottom">
          <span className="room-preview">{props.preview}</span>
          {props.unread > 0 && (
            <span className="badge" data-testid="unread-badge" aria-label={`${props.unread} unread`}>
              {props.unread > 99 ? '99+' : props.unread}
            </span>
          )}
        </span>
      </span>
    </button>
  );
}
