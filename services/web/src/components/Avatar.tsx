import { avatarClass, initials } from '../format';

export function Avatar({ id, name, online, saved }: { id: string; name: string; online?: boolean; saved?: boolean }) {
  return (
    <span className={`avatar ${saved ? 'av-saved' : avatarClass(id)}`} aria-hidden="true">
      {saved ? <span className="bookmark" /> : initials(name)}
      {online && <span className="presence-dot" />}
    </span>
  );
}
