// Saving and loading the simulator's state as <dataDir>/simulator/state.json so restarts keep it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimCore, SnapshotData } from './core';

export function snapshotFile(dir: string): string {
  return path.join(dir, 'state.json');
}

export function loadSnapshot(sim: SimCore, dir: string): boolean {
  const file = snapshotFile(dir);
  if (!existsSync(file)) return false;
  const data = JSON.parse(readFileSync(file, 'utf8')) as SnapshotData;
  if (data.version !== 1) return false;
  sim.restore(data);
  return true;
}

/** Atomic write (temp file + rename), so a crash mid-write keeps the previous snapshot. */
export function saveSnapshot(sim: SimCore, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = snapshotFile(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(sim.snapshot()), { mode: 0o600 });
  renameSync(tmp, file);
  sim.dirty = false;
}
