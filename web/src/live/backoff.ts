/**
 * Exponential backoff with full jitter (a random delay between 0 and the exponential cap): many
 * browsers that lost the socket at the same moment do not all come back at the same moment.
 */
export const backoffDelay = (
  attempt: number,
  options: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number => {
  const { baseMs = 500, maxMs = 10_000, random = Math.random } = options;
  const cap = Math.min(maxMs, baseMs * 2 ** attempt);
  // Never 0: an immediate retry against a server that just refused us would be wasted.
  return Math.max(100, Math.round(random() * cap));
};
