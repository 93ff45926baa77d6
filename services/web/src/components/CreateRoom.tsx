import { useState, type FormEvent } from 'react';
import { useClient } from '../context';
import { userName } from '../format';
import type { User } from '../protocol';
import { Dialog } from './Dialog';
import { Field } from './forms';
import { UserPicker } from './UserPicker';

/** A new private group (pick members) or public room. */
export function CreateRoom({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const [kind, setKind] = useState<'group' | 'public'>('group');
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [picked, setPicked] = useState<User[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (name.trim() === '') {
      setError('Give it a name.');
      return;
    }
    setBusy(true);
    const id = await client.createRoom({ kind, name: name.trim(), topic: topic.trim() || undefined, member_ids: picked.map((u) => u.id) });
    setBusy(false);
    if (id) onClose();
  }

  return (
    <Dialog title={kind === 'group' ? 'New group' : 'New public room'} onClose={onClose} testId="create-room">
      <form className="form" onSubmit={submit}>
        <fieldset className="segmented">
          <legend className="sr-only">Kind</legend>
          <label>
            <input type="radio" name="kind" value="group" checked={kind === 'group'} onChange={() => setKind('group')} /> Private group
          </label>
          <label>
            <input type="radio" name="kind" value="public" data-testid="kind-public" checked={kind === 'public'} onChange={() => setKind('public')} /> Public room
          </label>
        </fieldset>
        <Field name="name" testId="room-name-input" label="Name" value={name} onChange={setName} maxLength={64} error={error ?? undefined} />
        <Field name="topic" testId="room-topic-input" label="Topic (optional)" value={topic} onChange={setTopic} maxLength={256} />
        <div className="field">
          <span>Members{picked.length > 0 ? `: ${picked.map((u) => userName(u)).join(', ')}` : ''}</span>
          <UserPicker
            picked={picked.map((u) => u.id)}
            onToggle={(u) => setPicked((p) => (p.some((x) => x.id === u.id) ? p.filter((x) => x.id !== u.id) : [...p, u]))}
          />
        </div>
        <button type="submit" className="btn btn-primary btn-block" data-testid="create-room-submit" disabled={busy}>
          Create
        </button>
      </form>
    </Dialog>
  );
}
