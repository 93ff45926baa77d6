import { useState, type FormEvent } from 'react';
import type { Api } from '../api';
import { Field, noErrors, toErrors, type Errors } from './forms';
import type { User } from '../protocol';

type Mode = 'login' | 'register';

interface Props {
  api: Api;
  notice: string | null;
  onAuthed: (me: User) => void;
  initialMode?: Mode;
}

export function AuthScreen({ api, notice, onAuthed, initialMode = 'login' }: Props) {
  const [mode, setMode] = useState<Mode>(initialMode);
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <span className="logo" aria-hidden="true" />
          <h1>Chat</h1>
        </div>
        <div className="auth-tabs" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'login'}
            className={mode === 'login' ? 'active' : ''}
            data-testid="show-login"
            onClick={() => setMode('login')}
          >
            Log in
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'register'}
            className={mode === 'register' ? 'active' : ''}
            data-testid="show-register"
            onClick={() => setMode('register')}
          >
            Create account
          </button>
        </div>
        {notice && mode === 'login' && (
          <p className="form-notice" role="status">
            {notice}
          </p>
        )}
        {mode === 'login' ? <LoginForm api={api} onAuthed={onAuthed} /> : <RegisterForm api={api} onAuthed={onAuthed} />}
      </div>
    </main>
  );
}

function LoginForm({ api, onAuthed }: { api: Api; onAuthed: (me: User) => void }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>(noErrors);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors(noErrors);
    try {
      const session = await api.login(login.trim(), password);
      onAuthed(session.user);
    } catch (err) {
      setErrors(toErrors(err, ['login', 'password']));
      setBusy(false);
    }
  }

  return (
    <form className="auth-form" data-testid="login-form" aria-label="Log in" onSubmit={submit} noValidate>
      <Field name="login" testId="login" label="Username or email" value={login} onChange={setLogin} error={errors.fields.login} autoComplete="username" required />
      <Field name="password" testId="password" label="Password" type="password" value={password} onChange={setPassword} error={errors.fields.password} autoComplete="current-password" required />
      {errors.message && (
        <p className="form-error" role="alert" data-testid="form-error">
          {errors.message}
        </p>
      )}
      <button type="submit" className="btn btn-primary btn-block" data-testid="login-submit" disabled={busy}>
        {busy ? 'Logging in…' : 'Log in'}
      </button>
    </form>
  );
}

function RegisterForm({ api, onAuthed }: { api: Api; onAuthed: (me: User) => void }) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>(noErrors);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors(noErrors);
    try {
      const session = await api.register({
        username: username.trim(),
        email: email.trim(),
        password,
        ...(displayName.trim() !== '' ? { display_name: displayName.trim() } : {}),
      });
      onAuthed(session.user);
    } catch (err) {
      setErrors(toErrors(err, ['username', 'email', 'password', 'display_name']));
      setBusy(false);
    }
  }

  return (
    <form className="auth-form" data-testid="register-form" aria-label="Create account" onSubmit={submit} noValidate>
      <Field name="username" testId="username" label="Username" note="3 to 32 letters, digits or underscores" value={username} onChange={setUsername} error={errors.fields.username} autoComplete="username" required />
      <Field name="email" testId="email" label="Email" type="email" value={email} onChange={setEmail} error={errors.fields.email} autoComplete="email" required />
      <Field name="password" testId="password" label="Password" note="At least 8 characters" type="password" value={password} onChange={setPassword} error={errors.fields.password} autoComplete="new-password" required />
      <Field name="display_name" testId="display-name" label="Display name (optional)" value={displayName} onChange={setDisplayName} error={errors.fields.display_name} autoComplete="nickname" />
      {errors.message && (
        <p className="form-error" role="alert" data-testid="form-error">
          {errors.message}
        </p>
      )}
      <button type="submit" className="btn btn-primary btn-block" data-testid="register-submit" disabled={busy}>
        {busy ? 'Creating account…' : 'Create account'}
      </button>
    </form>
  );
}
