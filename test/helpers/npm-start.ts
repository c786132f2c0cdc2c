/**
 * The engine's process exactly as `npm start` runs it: the last command of package.json's `start`
 * script (after `prisma-generate`), so a test stops the same process a user's Ctrl-C reaches.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export function npmStartCommand(): { command: string; args: string[] } {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const last = scripts.start.split('&&').pop()!.trim().split(/\s+/);
  const [bin, ...args] = last;
  const command = bin === 'node' ? process.execPath : path.join(ROOT, 'node_modules/.bin', bin);
  return { command, args };
}
