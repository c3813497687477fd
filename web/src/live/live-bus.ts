import type { ServerMessage } from '../api/types.js';

export type LiveEvent = { kind: 'message'; message: ServerMessage } | { kind: 'resync' } | { kind: 'poll' };
export type LiveListener = (event: LiveEvent) => void;

/** Fans the one socket's events out to whichever screens are mounted. */
export const createLiveBus = () => {
  const listeners = new Set<LiveListener>();
  return {
    emit: (event: LiveEvent) => listeners.forEach((listener) => listener(event)),
    subscribe: (listener: LiveListener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
};
export type LiveBus = ReturnType<typeof createLiveBus>;
