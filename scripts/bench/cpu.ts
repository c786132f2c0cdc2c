// CPU time per process group over a benchmark phase (Linux /proc): where an order's CPU goes on a machine whose cores
// every part shares. Each process is put in a group by its pid (the bench's own children) or its command line
// (Temporal, PostgreSQL); the rest of the machine is "other".
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux the engine runs on). */
const TICKS_PER_SECOND = 100;

export type CpuGroups = Record<string, number>;

interface ProcTicks {
  ticks: number;
  group: string;
}

/** How a process is named in the report: its pid's label, else a pattern of its command line. */
export type CpuLabeler = (pid: number, cmdline: string) => string;

function readProc(pid: number): { ticks: number; cmdline: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start past the last ')': utime and stime are the 12th and 13th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { ticks, cmdline };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

export class CpuMeter {
  constructor(private readonly label: CpuLabeler) {}

  snapshot(): Map<number, ProcTicks> {
    const out = new Map<number, ProcTicks>();
    if (process.platform !== 'linux') return out;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      const p = readProc(pid);
      if (p) out.set(pid, { ticks: p.ticks, group: this.label(pid, p.cmdline) });
    }
    return out;
  }

  /** CPU seconds each group spent between two snapshots (a process started in between counts from zero). */
  static between(before: Map<number, ProcTicks>, after: Map<number, ProcTicks>): CpuGroups {
    const groups: CpuGroups = {};
    for (const [pid, p] of after) {
      const spent = p.ticks - (before.get(pid)?.ticks ?? 0);
      if (spent > 0) groups[p.group] = (groups[p.group] ?? 0) + spent / TICKS_PER_SECOND;
    }
    return groups;
  }
}

/** Seconds per unit (an order, a workflow), rounded to milliseconds. */
export function perUnit(groups: CpuGroups, units: number): CpuGroups {
  const out: CpuGroups = {};
  for (const [k, v] of Object.entries(groups)) out[k] = Math.round((v / Math.max(1, units)) * 1000) / 1000;
  return out;
}
