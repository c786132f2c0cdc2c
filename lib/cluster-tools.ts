/**
 * The real Temporal server the production topology runs (`npm run cluster`, the cluster suite, deploy/): the
 * multi-service server, its SQL schema tool and the Web UI server, each built once from the Go module proxy into the
 * tool cache beside the CLI (lib/tools.ts), so a fresh clone reuses them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultToolsDir, TEMPORAL_CLI_VERSION } from './tools';

const run = promisify(execFile);

/** The server inside the pinned CLI (lib/tools.ts TEMPORAL_CLI_VERSION 1.5.1): newer tags need a newer Go. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
/** The Web UI server the same CLI embeds (its go.mod), with the UI's assets inside the module. */
export const TEMPORAL_UI_VERSION = '2.42.1';

export interface ClusterTools {
  /** `temporal-server start --service <name>`: frontend, history, matching, worker. */
  server: string;
  /** `temporal-sql-tool`: creates the databases and applies the server's schemas (embedded in the binary). */
  sqlTool: string;
  /** The Web UI server (`ui-server --root <dir> --env <name> start`). */
  uiServer: string;
}

export function clusterToolPaths(toolsDir = defaultToolsDir()): ClusterTools {
  const serverDir = path.join(toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  return {
    server: path.join(serverDir, 'temporal-server'),
    sqlTool: path.join(serverDir, 'temporal-sql-tool'),
    uiServer: path.join(toolsDir, `temporal-ui-server-${TEMPORAL_UI_VERSION}`, 'temporal-ui-server'),
  };
}

/** The go command: GO, else the one on PATH, else Go's default install location. */
function goCommand(): string {
  if (process.env.GO) return process.env.GO;
  const onPath = (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, 'go')));
  return onPath || !existsSync('/usr/local/go/bin/go') ? 'go' : '/usr/local/go/bin/go';
}

/** `go install`s `packages` into a staging dir, then moves each binary (named after its package) to its target. */
async function goInstall(packages: { pkg: string; target: string }[], log: (msg: string) => void, what: string): Promise<void> {
  if (packages.every((p) => existsSync(p.target))) return;
  const dir = path.dirname(packages[0].target);
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`building ${what} from the Go module proxy (first run only, a few minutes)`);
  try {
    await run(goCommand(), ['install', ...packages.map((p) => p.pkg)], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      timeout: 30 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const p of packages) renameSync(path.join(staging, path.basename(p.pkg.split('@')[0])), path.join(staging, path.basename(p.target)));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message?: string };
    throw new Error(`building ${what} failed: ${e.code === 'ENOENT' ? 'Go is not installed' : `${e.message ?? String(err)}\n${e.stderr ?? ''}`}`, { cause: err });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Builds (once) the server, its schema tool and the Web UI server into the tool cache; returns their paths. */
export async function buildClusterTools(toolsDir = defaultToolsDir(), log: (msg: string) => void = () => undefined): Promise<ClusterTools> {
  const paths = clusterToolPaths(toolsDir);
  await goInstall(
    [
      { pkg: `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`, target: paths.server },
      { pkg: `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`, target: paths.sqlTool },
    ],
    log,
    `Temporal server v${TEMPORAL_SERVER_VERSION} (the server of CLI ${TEMPORAL_CLI_VERSION})`,
  );
  await goInstall([{ pkg: `github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_VERSION}`, target: paths.uiServer }], log, `Temporal Web UI server v${TEMPORAL_UI_VERSION}`);
  return paths;
}

/** The cached tools, or an error saying how to build them (tests never build: .ci/run does, through `npm run tools`). */
export function cachedClusterTools(toolsDir = defaultToolsDir()): ClusterTools {
  const paths = clusterToolPaths(toolsDir);
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`the Temporal server tools are not built (${missing.join(', ')}); run npm run tools`);
  return paths;
}
