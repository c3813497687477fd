/**
 * Runtime configuration, read once at start so one build runs on every host: the local host serves
 * no `config.json` (the SPA fallback answers index.html) and the app falls back to same-origin
 * defaults with local sign-in; a deployment writes `/config.json` next to index.html, or injects
 * `window.__UNTXT_CONFIG__` before the bundle loads.
 */
export type AuthConfig =
  | { mode: 'local' }
  | {
      mode: 'cognito';
      /** e.g. `eu-central-1`. */
      region: string;
      /** An app client without a secret, with `ALLOW_USER_PASSWORD_AUTH` and `ALLOW_REFRESH_TOKEN_AUTH`. */
      userPoolClientId: string;
    };

export interface RuntimeConfig {
  /** Base of the REST API, without a trailing slash, e.g. `https://api.example.com/prod/api`. */
  apiUrl: string;
  /** WebSocket endpoint without the token, e.g. `wss://ws.example.com/prod`. */
  wsUrl: string;
  auth: AuthConfig;
}

declare global {
  interface Window {
    __UNTXT_CONFIG__?: Partial<RuntimeConfig>;
  }
}

export const defaultConfig = (location: Pick<Location, 'origin' | 'protocol' | 'host'>): RuntimeConfig => ({
  apiUrl: `${location.origin}/api`,
  wsUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  auth: { mode: 'local' },
});

const isAuthConfig = (value: unknown): value is AuthConfig => {
  if (typeof value !== 'object' || value === null) return false;
  const auth = value as Record<string, unknown>;
  if (auth.mode === 'local') return true;
  return (
    auth.mode === 'cognito' && typeof auth.region === 'string' && typeof auth.userPoolClientId === 'string'
  );
};

/** Merges a partial config over the defaults, ignoring fields of the wrong type. */
export const mergeConfig = (base: RuntimeConfig, extra: unknown): RuntimeConfig => {
  if (typeof extra !== 'object' || extra === null) return base;
  const given = extra as Record<string, unknown>;
  return {
    apiUrl: typeof given.apiUrl === 'string' ? given.apiUrl.replace(/\/+$/, '') : base.apiUrl,
    wsUrl: typeof given.wsUrl === 'string' ? given.wsUrl.replace(/\/+$/, '') : base.wsUrl,
    auth: isAuthConfig(given.auth) ? given.auth : base.auth,
  };
};

export const loadConfig = async (): Promise<RuntimeConfig> => {
  const base = defaultConfig(window.location);
  if (window.__UNTXT_CONFIG__) return mergeConfig(base, window.__UNTXT_CONFIG__);
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    // Without a config file the SPA fallback answers HTML: that means "local defaults".
    if (res.ok && (res.headers.get('content-type') ?? '').includes('json'))
      return mergeConfig(base, await res.json());
  } catch {
    // Offline or blocked: the defaults still let the user reach the local host.
  }
  return base;
};
