import type { LiveState } from '../live/live-socket.js';

const LABELS: Record<LiveState, { text: string; hint: string }> = {
  connecting: { text: 'Connecting', hint: 'Opening the live connection' },
  live: { text: 'Live', hint: 'Updates arrive as they happen' },
  reconnecting: { text: 'Reconnecting', hint: 'The live connection dropped; trying again' },
  polling: { text: 'Polling', hint: 'Live connection down: refreshing every 5 seconds' },
};

export const ConnectionIndicator = ({ state }: { state: LiveState }) => (
  <span
    className={`connection connection-${state}`}
    role="status"
    aria-live="polite"
    title={LABELS[state].hint}
    data-testid="connection"
  >
    <span className="connection-dot" aria-hidden="true" />
    {LABELS[state].text}
  </span>
);
