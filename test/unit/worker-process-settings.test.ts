// The worker's start commands carry the process settings worker/process-settings.ts names (the bench uses the constants).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WORKER_NODE_ARGS, workerProcessEnv } from '../../worker/process-settings';

const ROOT = path.resolve(__dirname, '../..');
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const procfileWorker = readFileSync(path.join(ROOT, 'deploy/Procfile'), 'utf8').split('\n').find((l) => l.startsWith('worker:')) ?? '';

describe('worker process settings', () => {
  it.each([
    ['package.json worker script', packageJson.scripts.worker],
    ['deploy/Procfile worker line', procfileWorker],
  ])('%s starts node with them', (_where, command) => {
    const node = command.slice(command.lastIndexOf(' node '));
    for (const arg of WORKER_NODE_ARGS) expect(node.slice(0, node.indexOf('worker/main.ts'))).toContain(` ${arg} `);
    for (const [k, v] of Object.entries(workerProcessEnv({}))) expect(command).toContain(`${k}=\${${k}:-${v}}`);
  });

  it('leaves a value the environment sets', () => {
    expect(workerProcessEnv({ MALLOC_ARENA_MAX: '4' })).toEqual({ MALLOC_ARENA_MAX: '4' });
  });
});
