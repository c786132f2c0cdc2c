/**
 * `npm run tools`: builds the Temporal CLI (Go module proxy), fetches the Java time-skipping test
 * server (Maven Central) and builds the Java SDK conformance driver (Amazon's Java SDK, Maven
 * Central) into the tool cache. .ci/run calls it; `npm start` builds the CLI itself when missing,
 * and the conformance test builds its driver when missing. Idempotent: cached tools are reused.
 */
import { buildJavaConformance, buildTemporalCli, defaultToolsDir, fetchTestServer } from '../lib/tools';

async function run(): Promise<void> {
  const dir = process.env.TOOLS_DIR || defaultToolsDir();
  const log = (msg: string) => console.log(`[tools] ${msg}`);
  const cli = process.env.TEMPORAL_CLI_PATH || (await buildTemporalCli(dir, log));
  log(`Temporal CLI: ${cli}`);
  const testServer = await fetchTestServer(dir, log);
  log(`Temporal test server: ${testServer}`);
  const conformance = await buildJavaConformance(dir, log);
  log(`Java SDK conformance driver: ${conformance.dir}`);
}

run().catch((err: unknown) => {
  console.error(`[tools] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
