import { useState, type FormEvent } from 'react';
import { AuthError, type AuthProvider, type Session } from '../auth/index.js';

type Mode = 'sign-in' | 'sign-up' | 'confirm';

/** Sign in or create an account, with the provider the runtime config chose. */
export const SignInPage = ({
  auth,
  notice,
  onSignedIn,
}: {
  auth: AuthProvider;
  notice?: string;
  onSignedIn: (session: Session) => void;
}) => {
  const [mode, setMode] = useState<Mode>('sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(notice ?? null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'sign-in') onSignedIn(await auth.signIn(email, password));
      else if (mode === 'sign-up') {
        const result = await auth.signUp(email, password);
        if ('session' in result) onSignedIn(result.session);
        else {
          setMode('confirm');
          setInfo(`We sent a confirmation code to ${result.destination ?? email}.`);
        }
      } else {
        await auth.confirmSignUp(email, code);
        onSignedIn(await auth.signIn(email, password));
      }
    } catch (failure) {
      setError(failure instanceof AuthError || failure instanceof Error ? failure.message : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  };

  const title =
    mode === 'sign-in' ? 'Sign in' : mode === 'sign-up' ? 'Create an account' : 'Confirm your email';
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand brand-large" aria-hidden="true">
          untxt
        </p>
        <h1>{title}</h1>
        <p className="muted">Turn PDFs and images into searchable text.</p>
        {info && <p className="notice">{info}</p>}
        <form onSubmit={submit} noValidate={false}>
          <label className="field">
            <span>Email</span>
            <input
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              disabled={mode === 'confirm'}
            />
          </label>
          <label className="field">
            <span>Password</span>
            <input
              type="password"
              autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
              required
              minLength={8}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              disabled={mode === 'confirm'}
              aria-describedby={mode === 'sign-up' ? 'password-hint' : undefined}
            />
          </label>
          {mode === 'sign-up' && (
            <p id="password-hint" className="hint">
              At least 8 characters.
            </p>
          )}
          {mode === 'confirm' && (
            <label className="field">
              <span>Confirmation code</span>
              <input
                inputMode="numeric"
                autoComplete="one-time-code"
                required
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
            </label>
          )}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy
              ? 'Please wait…'
              : mode === 'sign-in'
                ? 'Sign in'
                : mode === 'sign-up'
                  ? 'Create account'
                  : 'Confirm and sign in'}
          </button>
        </form>
        {mode !== 'confirm' && (
          <p className="auth-switch">
            {mode === 'sign-in' ? 'New to untxt?' : 'Already have an account?'}{' '}
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setMode(mode === 'sign-in' ? 'sign-up' : 'sign-in');
                setError(null);
                setInfo(null);
              }}
            >
              {mode === 'sign-in' ? 'Create an account' : 'Sign in'}
            </button>
          </p>
        )}
      </div>
    </main>
  );
};
