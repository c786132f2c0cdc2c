// The simulator's clock: real time plus an offset moved by `/__sim/clock/advance`, or frozen (manual) time.

export type ClockMode = 'real' | 'manual';

export class SimClock {
  private offsetMs = 0;
  private readonly frozenBase: number;

  constructor(
    readonly mode: ClockMode = 'real',
    startAt?: number,
  ) {
    this.frozenBase = startAt ?? Date.now();
  }

  now(): number {
    return (this.mode === 'manual' ? this.frozenBase : Date.now()) + this.offsetMs;
  }

  advance(ms: number): number {
    this.offsetMs += ms;
    return this.now();
  }

  /** For snapshots: the offset survives a restart so simulated time never runs backwards. */
  get offset(): number {
    return this.offsetMs;
  }

  restoreOffset(offset: number): void {
    this.offsetMs = offset;
  }
}

/** Amazon's compact timestamp, e.g. `20190822T024512Z`. */
export function amazonTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
