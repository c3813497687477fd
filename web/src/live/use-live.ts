import { useEffect, useMemo, useState } from 'react';
import { createLiveBus, type LiveBus } from './live-bus.js';
import { startLiveSocket, type LiveState } from './live-socket.js';

/** Keeps one socket open while signed in and exposes its state and events. */
export const useLive = (wsUrl: string, token: string | null): { state: LiveState; bus: LiveBus } => {
  const bus = useMemo(() => createLiveBus(), []);
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!token) return;
    const socket = startLiveSocket({
      url: wsUrl,
      getToken: () => token,
      onMessage: (message) => bus.emit({ kind: 'message', message }),
      onState: setState,
      onResync: () => bus.emit({ kind: 'resync' }),
      onPoll: () => bus.emit({ kind: 'poll' }),
    });
    const wake = () => socket.reconnectNow();
    const onVisible = () => document.visibilityState === 'visible' && wake();
    window.addEventListener('online', wake);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener('online', wake);
      document.removeEventListener('visibilitychange', onVisible);
      socket.stop();
    };
  }, [wsUrl, token, bus]);
  return { state, bus };
};
