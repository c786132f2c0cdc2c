/**
 * Locates (and, when asked, builds or fetches) the two Temporal servers the project runs locally:
 * the Temporal CLI dev server (for `npm start` and integration tests) and the time-skipping test
 * server (for workflow tests), and builds the Java SDK conformance driver (Amazon's Java SDK from
 * Maven Central, for test/conformance). All are cached outside the work tree so a fresh clone reuses them.
 *
 * The SDK's own way, downloading prebuilt binaries, is used when neither a cached binary nor a
 * way to build one exists (a machine that can reach Temporal's CDN).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';

const run = promisify(execFile);

/** Newest CLI that `go install` can build (v1.6+ carries a replace directive in its go.mod). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
/** Keep in step with scripts/test-server/pom.xml. */
export const TEST_SERVER_VERSION = '1.38.0';

/** Amazon's Java SDK the conformance suite runs; keep in step with test/conformance/java/pom.xml. */
export const JAVA_SDK_VERSION = '2.6.7';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const JAVA_CONFORMANCE_PROJECT = path.join(PROJECT_ROOT, 'test/conformance/java');

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
    // A quick JVM start (C1 only, serial GC): the SDK gives the server 5 s to answer, which a busy machine can miss.
    writeFileSync(launcher, `#!/bin/sh\nexec java -Xss4m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"\n`);
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
  return explicitOrCached(process.env.TEMPORAL_TEST_SERVER_PATH, testServerPath(toolsDir), toolsDir);
}

/** The dev server executable for tests, which never build anything themselves (.ci/run does). */
export function testDevServerExecutable(toolsDir = defaultToolsDir()): EphemeralServerExecutable {
  return explicitOrCached(process.env.TEMPORAL_CLI_PATH, temporalCliPath(toolsDir), toolsDir);
}

/** An explicit path, else the cached executable, else the SDK's own download into the tools folder. */
function explicitOrCached(explicit: string | undefined, cached: string, toolsDir: string): EphemeralServerExecutable {
  if (explicit) return { type: 'existing-path', path: explicit };
  if (existsSync(cached)) return { type: 'existing-path', path: cached };
  return { type: 'cached-download', downloadDir: toolsDir };
}

function javaSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...javaSources(full));
    else if (entry.name.endsWith('.java')) out.push(full);
  }
  return out.sort();
}

export interface JavaConformanceBuild {
  dir: string;
  /** For `java -cp`: the compiled driver and the SDK's jars. */
  classpath: string;
  mainClass: string;
}

/** The cache directory of the driver built from the current pom.xml and sources (a change rebuilds). */
export function javaConformanceDir(toolsDir = defaultToolsDir()): string {
  const hash = createHash('sha256');
  const files = [path.join(JAVA_CONFORMANCE_PROJECT, 'pom.xml'), ...javaSources(path.join(JAVA_CONFORMANCE_PROJECT, 'src'))];
  for (const f of files) hash.update(path.relative(JAVA_CONFORMANCE_PROJECT, f)).update('\0').update(readFileSync(f)).update('\0');
  return path.join(toolsDir, `java-sdk-conformance-${JAVA_SDK_VERSION}-${hash.digest('hex').slice(0, 12)}`);
}

/**
 * Fetches Amazon's Java SDK (and its jars) with Maven, offline first (~/.m2 is the cache), and
 * compiles the conformance driver into the tool cache. Reused while its sources are unchanged.
 */
export async function buildJavaConformance(toolsDir = defaultToolsDir(), log: (msg: string) => void = () => undefined): Promise<JavaConformanceBuild> {
  const dir = javaConformanceDir(toolsDir);
  const result = (): JavaConformanceBuild => ({
    dir,
    classpath: [path.join(dir, 'classes'), path.join(dir, 'lib', '*')].join(path.delimiter),
    mainClass: 'local.amazonpayengine.conformance.SimulatorConformance',
  });
  if (existsSync(path.join(dir, 'classes')) && existsSync(path.join(dir, 'lib'))) return result();
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const fetchArgs = ['-q', '-B', '-f', path.join(JAVA_CONFORMANCE_PROJECT, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(staging, 'lib')}`, '-DincludeScope=runtime'];
    const opts = { timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 };
    try {
      await run('mvn', ['-o', ...fetchArgs], opts);
    } catch {
      log(`fetching Amazon Pay Java SDK ${JAVA_SDK_VERSION} from Maven Central (first run only)`);
      await run('mvn', fetchArgs, opts);
    }
    if (!readdirSync(path.join(staging, 'lib')).some((f) => f.startsWith(`amazon-pay-api-sdk-java-${JAVA_SDK_VERSION}`))) throw new Error('Maven did not fetch the Amazon Pay Java SDK');
    await run('javac', ['--release', '11', '-encoding', 'UTF-8', '-d', path.join(staging, 'classes'), '-cp', path.join(staging, 'lib', '*'), ...javaSources(path.join(JAVA_CONFORMANCE_PROJECT, 'src'))], opts);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } catch (err) {
    const e = err as { code?: string; stderr?: string; stdout?: string; message?: string };
    const why = e.code === 'ENOENT' ? 'mvn or javac is not installed (the conformance suite needs a JDK and Maven)' : `${e.message ?? String(err)}\n${e.stdout ?? ''}${e.stderr ?? ''}`;
    throw new Error(`building the Java SDK conformance driver failed: ${why}`, { cause: err });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return result();
}
