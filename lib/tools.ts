/**
 * Locates (and, when asked, builds or fetches) the two Temporal servers the project runs locally:
 * the Temporal CLI dev server (for `npm start` and integration tests) and the time-skipping test
 * server (for workflow tests). Both are cached outside the work tree so a fresh clone reuses them.
 *
 * The SDK's own way, downloading prebuilt binaries, is used when neither a cached binary nor a
 * way to build one exists (a machine that can reach Temporal's CDN).
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';

const run = promisify(execFile);

/** Newest CLI that `go install` can build (v1.6+ carries a replace directive in its go.mod). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
/** Keep in step with scripts/test-server/pom.xml. */
export const TEST_SERVER_VERSION = '1.38.0';

const PROJECT_ROOT = path.resolve(__dirname, '..');

export function defaultToolsDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'amazon-pay-engine');
}

export function temporalCliPath(toolsDir = defaultToolsDir()): string {
  return path.join(toolsDir, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export function testServerPath(toolsDir = defaultToolsDir()): string {
  return path.join(toolsDir, `temporal-test-server-${TEST_SERVER_VERSION}`, 'temporal-test-server');
}

async function commandExists(cmd: string): Promise<boolean> {
  try {
    await run(cmd, ['version'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Builds the Temporal CLI from the Go module proxy into the cache (a few minutes, once). */
export async function buildTemporalCli(toolsDir = defaultToolsDir(), log: (msg: string) => void = () => undefined): Promise<string> {
  const target = temporalCliPath(toolsDir);
  if (existsSync(target)) return target;
  if (!(await commandExists('go'))) {
    throw new Error('Go is not installed, so the Temporal CLI cannot be built (set TEMPORAL_CLI_PATH, or let the SDK download it)');
  }
  const staging = `${path.dirname(target)}.tmp-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  log(`building Temporal CLI v${TEMPORAL_CLI_VERSION} from the Go module proxy (first run only, a few minutes)`);
  try {
    await run('go', ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0' },
      timeout: 30 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    rmSync(path.dirname(target), { recursive: true, force: true });
    renameSync(staging, path.dirname(target));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

/** Fetches the Java time-skipping test server and its jars from Maven Central into the cache. */
export async function fetchTestServer(toolsDir = defaultToolsDir(), log: (msg: string) => void = () => undefined): Promise<string> {
  const target = testServerPath(toolsDir);
  if (existsSync(target)) return target;
  const dir = path.dirname(target);
  const staging = `${dir}.tmp-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  log(`fetching Temporal test server ${TEST_SERVER_VERSION} from Maven Central (first run only)`);
  try {
    await run(
      'mvn',
      ['-q', '-B', '-f', path.join(PROJECT_ROOT, 'scripts/test-server/pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(staging, 'lib')}`, '-DincludeScope=runtime'],
      { timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (readdirSync(path.join(staging, 'lib')).length === 0) throw new Error('Maven fetched no jars');
    // The SDK starts the server as `<executable> <port>`, so a small launcher stands in for the native binary.
    const launcher = path.join(staging, 'temporal-test-server');
    writeFileSync(launcher, `#!/bin/sh\nexec java -Xss4m -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"\n`);
    chmodSync(launcher, 0o755);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

/**
 * The dev server executable for the SDK: an explicit path, the cached build, or (when nothing is
 * cached and `allowBuild` is false or Go is missing) the SDK's own download into the cache.
 */
export async function devServerExecutable(opts: { cliPath?: string; toolsDir?: string; allowBuild: boolean; log?: (msg: string) => void }): Promise<EphemeralServerExecutable> {
  const toolsDir = opts.toolsDir ?? defaultToolsDir();
  if (opts.cliPath) return { type: 'existing-path', path: opts.cliPath };
  const cached = temporalCliPath(toolsDir);
  if (existsSync(cached)) return { type: 'existing-path', path: cached };
  if (opts.allowBuild && (await commandExists('go'))) {
    return { type: 'existing-path', path: await buildTemporalCli(toolsDir, opts.log) };
  }
  return { type: 'cached-download', downloadDir: toolsDir };
}

/** The time-skipping test server for workflow tests: the cached Java server, else the SDK's download. */
export function testServerExecutable(toolsDir = defaultToolsDir()): EphemeralServerExecutable {
  const explicit = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (explicit) return { type: 'existing-path', path: explicit };
  const cached = testServerPath(toolsDir);
  if (existsSync(cached)) return { type: 'existing-path', path: cached };
  return { type: 'cached-download', downloadDir: toolsDir };
}

/** The dev server executable for tests, which never build anything themselves (.ci/run does). */
export function testDevServerExecutable(toolsDir = defaultToolsDir()): EphemeralServerExecutable {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) return { type: 'existing-path', path: explicit };
  const cached = temporalCliPath(toolsDir);
  if (existsSync(cached)) return { type: 'existing-path', path: cached };
  return { type: 'cached-download', downloadDir: toolsDir };
}
