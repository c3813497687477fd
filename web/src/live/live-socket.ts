import type { ServerMessage } from '../api/types.js';
import { backoffDelay } from './backoff.js';

/** What the connection indicator shows. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'polling';

export interface LiveSocketOptions {
  url: string;
  getToken: () => string | null;
  onMessage: (message: ServerMessage) => void;
  onState: (state: LiveState) => void;
  /** After every successful reconnect: messages sent while we were away are not replayed. */
  onResync: () => void;
  /** While the socket is down and its first reconnect failed: re-read state every `pollMs`. */
  onPoll: () => void;
  pollMs?: number;
  /** How long a lost socket may stay "Reconnecting" before polling starts. */
  graceMs?: number;
  /** Keeps API Gateway from closing the connection after 10 idle minutes. */
  keepAliveMs?: number;
  maxBackoffMs?: number;
  createSocket?: (url: string) => WebSocket;
}

export interface LiveSocket {
  stop(): void;
  /** Skip the remaining backoff and try now (the browser came back online, the tab became visible). */
  reconnectNow(): void;
}

/**
 * One WebSocket with reconnects (exponential backoff + jitter), a resync after each reconnect, and
 * polling while it is down, so the board never silently goes stale.
 */
export const startLiveSocket = (options: LiveSocketOptions): LiveSocket => {
  const pollMs = options.pollMs ?? 5_000;
  const graceMs = options.graceMs ?? 2_000;
  const keepAliveMs = options.keepAliveMs ?? 5 * 60_000;
  const create = options.createSocket ?? ((url: string) => new WebSocket(url));

  let socket: WebSocket | null = null;
  let attempt = 0;
  let everConnected = false;
  let stopped = false;
  let state: LiveState | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let keepAliveTimer: ReturnType<typeof setInterval> | undefined;

  const setState = (next: LiveState) => {
    if (next === state) return;
    state = next;
    options.onState(next);
  };

  const startPolling = () => {
    if (stopped || pollTimer !== undefined) return;
    setState('polling');
    options.onPoll();
    pollTimer = setInterval(() => options.onPoll(), pollMs);
  };
  const stopPolling = () => {
    clearInterval(pollTimer);
    pollTimer = undefined;
    clearTimeout(graceTimer);
    graceTimer = undefined;
  };

  const connect = () => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (stopped) return;
    const token = options.getToken();
    if (!token) return;
    const ws = create(`${options.url}?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      const reconnected = everConnected || attempt > 0;
      attempt = 0;
      everConnected = true;
      stopPolling();
      setState('live');
      clearInterval(keepAliveTimer);
      keepAliveTimer = setInterval(
        () => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ action: 'ping' })),
        keepAliveMs,
      );
      if (reconnected) options.onResync();
    };
    ws.onmessage = (event) => {
      try {
        options.onMessage(JSON.parse(String(event.data)) as ServerMessage);
      } catch {
        // Not JSON: nothing this client understands.
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      clearInterval(keepAliveTimer);
      if (stopped) return;
      if (pollTimer === undefined) {
        setState('reconnecting');
        // Polling starts if we are still down after the grace period (or right away when the
        // socket never opened: then the live view has nothing to show at all).
        if (graceTimer === undefined) graceTimer = setTimeout(startPolling, everConnected ? graceMs : 0);
      }
      retryTimer = setTimeout(connect, backoffDelay(attempt++, { maxMs: options.maxBackoffMs ?? 10_000 }));
    };
  };

  setState('connecting');
  connect();

  return {
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      stopPolling();
      clearInterval(keepAliveTimer);
      socket?.close();
      socket = null;
    },
    reconnectNow() {
      if (stopped || socket) return;
      connect();
    },
  };
};
