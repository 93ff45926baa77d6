import { useState } from 'react';
import { knownPresence } from '../store';
import { useChat, useClient } from '../context';
import { formatShortDate, roomPreview, roomTitle, SAVED_MESSAGES, userName } from '../format';
import type { RoomSummary } from '../protocol';
import { Avatar } from './Avatar';
import { ConnectionState } from './ConnectionState';
import { CreateRoom } from './CreateRoom';
import { Profile } from './Profile';
import { PublicRooms } from './PublicRooms';
import { SearchPanel } from './SearchPanel';
import { UserDirectory } from './UserDirectory';

type Dialogs = 'none' | 'group' | 'public' | 'search' | 'profile';

export function Sidebar({ onLogout }: { onLogout: () => void }) {
  const client = useClient();
  const me = useChat((s) => s.me);
  const rooms = useChat((s) => s.rooms);
  const roomsLoaded = useChat((s) => s.roomsLoaded);
  const users = useChat((s) => s.users);
  const blocked = useChat((s) => s.blocked);
  const presence = useChat(knownPresence);
  const selected = useChat((s) => s.selectedRoomId);
  const [directory, setDirectory] = useState(false);
  const [dialog, setDialog] = useState<Dialogs>('none');
  const close = () => setDialog('none');

  const saved = rooms.find((r) => r.kind === 'saved') ?? null;
  const others = rooms.filter((r) => r.kind !== 'saved');
  const meId = me?.id ?? null;

  return (
    <aside className="sidebar" aria-label="Chats">
      <header className="sidebar-header">
        <button type="button" className="me" data-testid="open-profile" aria-label="Profile and settings" onClick={() => setDialog('profile')}>
          {me && <Avatar id={me.id} name={userName(me)} />}
          <span className="me-text">
            <span className="me-name" data-testid="me-name">
              {userName(me ?? undefined)}
            </span>
            {me && <span className="me-username">@{me.username}</span>}
          </span>
        </button>
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
            <button type="button" className="btn btn-primary" data-testid="new-chat" onClick={() => setDirectory(true)}>
              New chat
            </button>
            <button type="button" className="btn" data-testid="new-group" onClick={() => setDialog('group')}>
              New group
            </button>
            <button type="button" className="btn" data-testid="browse-public" onClick={() => setDialog('public')}>
              Public rooms
            </button>
            <button type="button" className="btn" data-testid="open-search" aria-label="Search messages" onClick={() => setDialog('search')}>
              Search
            </button>
          </div>
          <ul className="room-list" data-testid="room-list" aria-label="Rooms">
            <li>
              <RoomButton
                id={saved?.id ?? 'saved'}
                kind="saved"
                title={SAVED_MESSAGES}
                preview={saved ? roomPreview(saved, meId, users, blocked) : 'Notes to yourself'}
                time={saved?.last_message ? formatShortDate(saved.last_activity_at) : ''}
                unread={saved?.unread ?? 0}
                mentions={saved?.mentions ?? 0}
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
                  preview={roomPreview(r, meId, users, blocked)}
                  time={r.last_message ? formatShortDate(r.last_activity_at) : ''}
                  unread={r.unread}
                  mentions={r.mentions ?? 0}
                  active={r.id === selected}
                  online={peerOnline(r, presence)}
                  muted={r.muted}
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
      {dialog === 'group' && <CreateRoom onClose={close} />}
      {dialog === 'public' && <PublicRooms onClose={close} />}
      {dialog === 'search' && <SearchPanel onClose={close} />}
      {dialog === 'profile' && <Profile onClose={close} />}
    </aside>
  );
}

function peerOnline(r: RoomSummary, presence: Record<string, boolean>): boolean {
  return r.kind === 'direct' && r.peer_id != null && presence[r.peer_id] === true;
}

function RoomButton(props: {
  id: string;
  kind: string;
  title: string;
  preview: string;
  time: string;
  unread: number;
  /** Of the unread messages, those that mention me (or everyone). */
  mentions: number;
  active: boolean;
  online?: boolean;
  saved?: boolean;
  muted?: boolean;
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
      data-mentions={props.mentions}
      aria-current={props.active ? 'true' : undefined}
      onClick={props.onClick}
    >
      <Avatar id={props.id} name={props.title} online={props.online} saved={props.saved} />
      <span className="room-main">
        <span className="room-top">
          <span className="room-name" data-testid="room-name">
            {props.title}
          </span>
          {props.muted && (
            <span className="muted-mark" aria-label="muted" title="Muted">
              🔕
            </span>
          )}
          <span className="room-time">{props.time}</span>
        </span>
        <span className="room-bottom">
          <span className="room-preview">{props.preview}</span>
          {props.mentions > 0 && (
            <span
              className="badge badge-mention"
              data-testid="mention-badge"
              aria-label={props.mentions === 1 ? 'mentioned you' : `mentioned you ${props.mentions} times`}
              title={props.mentions === 1 ? 'You were mentioned' : `You were mentioned ${props.mentions} times`}
            >
              {props.mentions === 1 ? '@' : `@${props.mentions > 99 ? '99+' : props.mentions}`}
            </span>
          )}
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
