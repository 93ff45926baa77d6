import { useEffect, useState, type FormEvent } from 'react';
import { useChat, useClient } from '../context';
import { desktopNotifications } from '../local';
import { notificationPermission, requestNotificationPermission, type Permission } from '../notify';
import { Dialog } from './Dialog';
import { Field, noErrors, toErrors, type Errors } from './forms';

/** My profile: display name, password, Telegram and notifications. */
export function Profile({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const account = useChat((s) => s.account);
  const [name, setName] = useState(account?.display_name ?? '');
  const [nameErrors, setNameErrors] = useState<Errors>(noErrors);
  const [saved, setSaved] = useState<string | null>(null);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [pwErrors, setPwErrors] = useState<Errors>(noErrors);
  const [waitingLink, setWaitingLink] = useState(false);

  useEffect(() => {
    void client.loadAccount();
  }, [client]);
  useEffect(() => {
    if (account) setName((n) => (n === '' ? account.display_name : n));
  }, [account]);
  // After opening the bot, watch for the link to be made there.
  useEffect(() => {
    if (!waitingLink || account?.telegram.linked) return;
    const t = setInterval(() => void client.loadAccount(), 3000);
    return () => clearInterval(t);
  }, [client, waitingLink, account?.telegram.linked]);

  async function saveName(e: FormEvent) {
    e.preventDefault();
    try {
      const me = await client.api.updateMe({ display_name: name.trim() });
      client.store.dispatch({ type: 'account', account: me });
      setNameErrors(noErrors);
      setSaved('Saved.');
    } catch (err) {
      setNameErrors(toErrors(err, ['display_name']));
    }
  }

  async function changePassword(e: FormEvent) {
    e.preventDefault();
    try {
      await client.api.changePassword(current, next);
      setPwErrors(noErrors);
      setCurrent('');
      setNext('');
      setSaved('Password changed. Your other sessions were logged out.');
    } catch (err) {
      setPwErrors(toErrors(err, ['current_password', 'new_password']));
    }
  }

  // Editing any field clears a "Saved." that no longer describes the form.
  const edit = (set: (v: string) => void) => (v: string) => {
    set(v);
    setSaved(null);
  };

  async function linkTelegram() {
    const link = await client.act((api) => api.telegramLink());
    if (!link) return;
    setWaitingLink(true);
    window.open(link.url, '_blank', 'noopener,noreferrer');
  }

  return (
    <Dialog title="Profile" onClose={onClose} testId="profile">
      {saved && (
        <p className="form-ok" role="status" data-testid="profile-saved">
          {saved}
        </p>
      )}
      <form className="form" onSubmit={saveName} data-testid="profile-form">
        <Field name="display_name" testId="display-name-input" label="Display name" value={name} onChange={edit(setName)} maxLength={64} autoComplete="nickname" error={nameErrors.fields.display_name} />
        {nameErrors.message && <p className="form-error">{nameErrors.message}</p>}
        <button type="submit" className="btn btn-primary" data-testid="save-profile">
          Save
        </button>
      </form>

      <form className="form" onSubmit={changePassword} data-testid="password-form">
        <h3>Change password</h3>
        <Field name="current_password" testId="current-password" label="Current password" type="password" value={current} onChange={edit(setCurrent)} autoComplete="current-password" error={pwErrors.fields.current_password} />
        <Field name="new_password" testId="new-password" label="New password" note="At least 8 characters" type="password" value={next} onChange={edit(setNext)} autoComplete="new-password" error={pwErrors.fields.new_password} />
        {pwErrors.message && <p className="form-error">{pwErrors.message}</p>}
        <button type="submit" className="btn" data-testid="change-password" disabled={current === '' || next === ''}>
          Change password
        </button>
      </form>

      <section className="form" aria-label="Sessions">
        <h3>Sessions</h3>
        <p>Logged in on another device you no longer use? This logs out every session, this one too.</p>
        <button type="button" className="btn danger" data-testid="logout-everywhere" onClick={() => void client.logoutEverywhere()}>
          Log out everywhere
        </button>
      </section>

      <DesktopNotifications />

      <section className="form" aria-label="Telegram" data-testid="telegram">
        <h3>Telegram</h3>
        {!account ? (
          <span className="spinner" aria-label="Loading" />
        ) : !account.telegram.available ? (
          <p>Telegram notifications are not set up on this server.</p>
        ) : account.telegram.linked ? (
          <>
            <p data-testid="telegram-state">Linked. Messages that arrive while you are away are sent to your Telegram.</p>
            <button
              type="button"
              className="btn danger"
              data-testid="telegram-unlink"
              onClick={() => void client.act((api) => api.telegramUnlink()).then(() => client.loadAccount())}
            >
              Unlink Telegram
            </button>
          </>
        ) : (
          <>
            <p data-testid="telegram-state">Not linked.{waitingLink ? ' Press Start in the Telegram chat that opened.' : ''}</p>
            <button type="button" className="btn btn-primary" data-testid="telegram-link" onClick={() => void linkTelegram()}>
              Connect Telegram
            </button>
          </>
        )}
        {account && (
          <label className="switch">
            <input
              type="checkbox"
              data-testid="notifications-switch"
              checked={account.notifications_enabled}
              disabled={!account.telegram.available}
              title={account.telegram.available ? undefined : 'Telegram is not set up on this server'}
              onChange={(e) =>
                void client
                  .act((api) => api.updateMe({ notifications_enabled: e.target.checked }))
                  .then((me) => me && client.store.dispatch({ type: 'account', account: me }))
              }
            />
            <span>Notifications on Telegram</span>
          </label>
        )}
      </section>
    </Dialog>
  );
}

/**
 * This browser's desktop notifications: a local switch, on only with the browser's permission.
 * Asking for it is a browser prompt, so it happens when the switch is turned on (a click), not
 * before; a refusal puts the switch back off and says where to change it.
 */
function DesktopNotifications() {
  const permission = notificationPermission();
  // Permission taken back in the browser's settings since: shown off, with the reason.
  const [on, setOn] = useState(() => desktopNotifications.get() && permission === 'granted');
  const [refused, setRefused] = useState<Permission | null>(() =>
    desktopNotifications.get() && permission === 'denied' ? 'denied' : null,
  );

  const settle = (answer: Permission) => {
    const granted = answer === 'granted';
    desktopNotifications.set(granted);
    setOn(granted);
    setRefused(granted ? null : answer);
  };

  function toggle(want: boolean) {
    setRefused(null);
    if (!want) {
      desktopNotifications.set(false);
      setOn(false);
    } else if (notificationPermission() === 'granted') settle('granted');
    else void requestNotificationPermission().then(settle);
  }

  return (
    <section className="form" aria-label="Desktop notifications">
      <h3>Desktop notifications</h3>
      <label className="switch">
        <input
          type="checkbox"
          data-testid="desktop-notifications"
          checked={on}
          disabled={permission === 'unsupported'}
          onChange={(e) => toggle(e.target.checked)}
        />
        <span>Notify me of new messages while this tab is in the background</span>
      </label>
      {permission === 'unsupported' ? (
        <p className="field-note" data-testid="desktop-notifications-unsupported">
          This browser cannot show notifications.
        </p>
      ) : (
        <p className="field-note">Only in this browser. Muted chats stay quiet.</p>
      )}
      {refused && (
        <p className="form-error" role="alert" data-testid="desktop-notifications-denied">
          {refused === 'denied'
            ? 'Your browser blocks notifications from this site. Allow them in its site settings, then turn this on again.'
            : 'Notifications were not allowed. Turn this on again and choose Allow.'}
        </p>
      )}
    </section>
  );
}
