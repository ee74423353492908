import { RiaError } from '../errors.js';

/**
 * Pure: the resync schedule (cron with seconds) for a drift interval: a tick every interval, on
 * the wall clock's round seconds or minutes. Only intervals that divide a minute or an hour fit
 * a cron field; others are refused rather than silently rounded.
 */
export function resyncCronFor(driftIntervalMs: number): string {
  const s = driftIntervalMs / 1000;
  if (Number.isInteger(s) && s >= 1 && s < 60 && 60 % s === 0) return `*/${s} * * * * *`;
  const m = s / 60;
  if (Number.isInteger(m) && m >= 1 && m < 60 && 60 % m === 0) return `0 */${m} * * * *`;
  if (m === 60) return '0 0 * * * *';
  throw new RiaError('DriftIntervalInvalid', `the drift interval must divide a minute or an hour (e.g. 10s, 30s, 1m, 5m, 15m, 1h), not ${s} s`, { seconds: s });
}
