/**
 * Delay before retrying a failed flush: 5 s, 10 s, 20 s … capped at 5 minutes. A flush that keeps failing
 * (remote down, credentials revoked) must not hammer the remote, but must pick up soon after it recovers.
 */
export function retryDelayMs(consecutiveFailures: number, baseMs = 5_000, capMs = 300_000): number {
  if (consecutiveFailures <= 0) return 0;
  return Math.min(capMs, baseMs * 2 ** Math.min(consecutiveFailures - 1, 20));
}
