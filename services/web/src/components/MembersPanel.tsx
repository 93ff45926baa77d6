import { useState } from 'react';
import { knownPresence } from '../store';
import { useChat, useClient } from '../context';
import { userName } from '../format';
import type { MemberRole, RoomSummary } from '../protocol';
import { Avatar } from './Avatar';
import { Field } from './forms';
import { UserPicker } from './UserPicker';

const ROLE_ORDER: Record<MemberRole, number> = { owner: 0, admin: 1, member: 2 };

/** Members of a group or public room with their roles; add, remove, promote and leave. */
export function MembersPanel({ room, onClose }: { room: RoomSummary; onClose: () => void }) {
  const client = useClient();
  const meId = useChat((s) => s.me?.id ?? null);
  const members = useChat((s) => s.members[room.id]);
  const users = useChat((s) => s.users);
  const presence = useChat(knownPresence);
  const blocked = useChat((s) => s.blocked);
  const [adding, setAdding] = useState(false);
  const mine = room.my_role;
  const canManage = mine === 'owner' || mine === 'admin';
  const sorted = [...(members ?? [])].sort(
    (a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || userName(users[a.user_id]).localeCompare(userName(users[b.user_id])),
  );

  return (
    <aside className="members-panel" aria-label="Members" data-testid="members-panel">
      <header className="panel-header">
        <h3>Members ({members?.length ?? room.member_count})</h3>
        <button type="button" className="btn btn-ghost btn-icon" aria-label="Close members" onClick={onClose}>
          ×
        </button>
      </header>
      {canManage && <RoomSettings key={`${room.name ?? ''}\u0000${room.topic ?? ''}`} room={room} />}
      {canManage && (
        <div className="panel-actions">
          <button type="button" className="btn btn-block" data-testid="add-member" aria-expanded={adding} onClick={() => setAdding(!adding)}>
            {adding ? 'Done adding' : 'Add people'}
          </button>
        </div>
      )}
      {adding && (
        <UserPicker
          picked={[]}
          exclude={(members ?? []).map((m) => m.user_id)}
          onToggle={(u) => {
            void client.act((api) => api.addMember(room.id, u.id)).then((r) => r && client.reloadRoom(room.id));
          }}
        />
      )}
      <ul className="member-list" data-testid="member-list">
        {sorted.map((m) => {
          const name = userName(users[m.user_id]);
          const me = m.user_id === meId;
          const canKick = !me && (mine === 'owner' || (mine === 'admin' && m.role === 'member'));
          return (
            <li key={m.user_id} className="member" data-testid="member" data-role={m.role}>
              <Avatar id={m.user_id} name={name} online={presence[m.user_id] === true} />
              <span className="member-name">
                {name}
                {me && ' (you)'}
              </span>
              {m.role !== 'member' && <span className={`role role-${m.role}`}>{m.role}</span>}
              {mine === 'owner' && !me && (
                <button
                  type="button"
                  className="btn btn-link"
                  data-testid="toggle-admin"
                  onClick={() =>
                    void client
                      .act((api) => api.setRole(room.id, m.user_id, m.role === 'admin' ? 'member' : 'admin'))
                      .then((r) => r && client.reloadRoom(room.id))
                  }
                >
                  {m.role === 'admin' ? 'Make member' : 'Make admin'}
                </button>
              )}
              {!me && (
                <button
                  type="button"
                  className="btn btn-link"
                  data-testid="block"
                  aria-pressed={blocked[m.user_id] === true}
                  aria-label={`${blocked[m.user_id] ? 'Unblock' : 'Block'} ${name}`}
                  onClick={() => void client.setBlocked(m.user_id, !blocked[m.user_id])}
                >
                  {blocked[m.user_id] ? 'Unblock' : 'Block'}
                </button>
              )}
              {canKick && (
                <button
                  type="button"
                  className="btn btn-link danger"
                  data-testid="kick"
                  aria-label={`Remove ${name}`}
                  onClick={() => void client.act((api) => api.kick(room.id, m.user_id)).then(() => client.reloadRoom(room.id))}
                >
                  Remove
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <div className="panel-actions">
        <button
          type="button"
          className="btn btn-block danger"
          data-testid="leave-room"
          onClick={() => {
            if (window.confirm(`Leave ${room.name ?? 'this room'}?`)) void client.leaveRoom(room.id);
          }}
        >
          Leave
        </button>
      </div>
    </aside>
  );
}

/** Owners and admins rename the room and set its topic; every member sees it live. */
function RoomSettings({ room }: { room: RoomSummary }) {
  const client = useClient();
  const [name, setName] = useState(room.name ?? '');
  const [topic, setTopic] = useState(room.topic ?? '');
  const [saved, setSaved] = useState(false);
  const changed = name.trim() !== (room.name ?? '') || topic.trim() !== (room.topic ?? '');
  const edit = (set: (v: string) => void) => (v: string) => {
    set(v);
    setSaved(false);
  };
  return (
    <form
      className="room-settings"
      data-testid="room-settings"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim() === '') return;
        void client
          .act((api) => api.updateRoom(room.id, { name: name.trim(), topic: topic.trim() === '' ? null : topic.trim() }))
          .then((r) => {
            if (!r) return;
            client.store.dispatch({ type: 'room_updated', room_id: room.id, name: r.name ?? null, topic: r.topic ?? null });
            setSaved(true);
          });
      }}
    >
      <Field name="name" testId="room-settings-name" label="Name" value={name} onChange={edit(setName)} maxLength={64} required />
      <Field
        name="topic"
        testId="room-settings-topic"
        label="Topic"
        value={topic}
        onChange={edit(setTopic)}
        maxLength={256}
        hint="What this room is about"
      />
      <button type="submit" className="btn btn-primary" data-testid="room-settings-save" disabled={!changed || name.trim() === ''}>
        Save
      </button>
      {saved && !changed && (
        <span className="form-ok" role="status">
          Saved.
        </span>
      )}
    </form>
  );
}
