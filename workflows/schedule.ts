// When a recurring plan's k-th later charge falls: calendar arithmetic in UTC, the day clamped to the month's last (Jan 31 + 1 month = Feb 28/29).
import type { RecurringFrequency } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;

function addMonths(start: Date, months: number): number {
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(start.getUTCDate(), lastDay);
  return Date.UTC(targetYear, targetMonth, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds());
}

/** The time of the k-th scheduled charge after `startMs` (k ≥ 1); undefined for a Variable plan. */
export function scheduledChargeAt(startMs: number, frequency: RecurringFrequency, k: number): number | undefined {
  const n = frequency.value * k;
  switch (frequency.unit) {
    case 'Day':
      return startMs + n * DAY_MS;
    case 'Week':
      return startMs + n * 7 * DAY_MS;
    case 'Month':
      return addMonths(new Date(startMs), n);
    case 'Year':
      return addMonths(new Date(startMs), 12 * n);
    case 'Variable':
      return undefined;
  }
}
