import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../../../web/src/live/backoff.js';
import { startLiveSocket, type LiveState } from '../../../web/src/live/live-socket.js';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  readyState = 0;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  send() {}
}

describe('Function: backoffDelay', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    // Act
    const caps = [0, 1, 2, 3, 10].map((attempt) =>
      backoffDelay(attempt, { baseMs: 500, maxMs: 10_000, random: () => 1 }),
    );
    const low = backoffDelay(3, { random: () => 0 });

    // Assess
    expect(caps).toEqual([500, 1000, 2000, 4000, 10_000]);
    expect(low).toBe(100);
  });
});

describe('Function: startLiveSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
  });
  afterEach(() => vi.useRealTimers());

  const start = () => {
    const states: LiveState[] = [];
    const calls = { resync: 0, poll: 0 };
    const live = startLiveSocket({
      url: 'ws://host/ws',
      getToken: () => 'tok en',
      onMessage: () => undefined,
      onState: (s) => states.push(s),
      onResync: () => (calls.resync += 1),
      onPoll: () => (calls.poll += 1),
      createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    });
    return { live, states, calls };
  };

  it('goes Live, then Reconnecting and Polling every 5 s while down, then Live with a resync', () => {
    // Prepare
    const { live, states, calls } = start();
    FakeSocket.all[0]!.open();

    // Act: the connection drops and every reconnect fails for 12 s
    FakeSocket.all[0]!.close();
    expect(states.at(-1)).toBe('reconnecting');
    for (let ms = 0; ms < 12_000; ms += 100) {
      vi.advanceTimersByTime(100);
      const last = FakeSocket.all.at(-1)!;
      if (last.readyState === 0) last.close();
    }
    const pollsWhileDown = calls.poll;
    vi.advanceTimersByTime(10_000);
    FakeSocket.all.at(-1)!.open();

    // Assess
    expect(FakeSocket.all[0]!.url).toBe('ws://host/ws?token=tok%20en');
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'polling', 'live']);
    expect(pollsWhileDown).toBeGreaterThanOrEqual(2);
    expect(calls.resync).toBe(1);
    const pollsAfter = calls.poll;
    vi.advanceTimersByTime(20_000);
    expect(calls.poll).toBe(pollsAfter);
    live.stop();
  });
});
