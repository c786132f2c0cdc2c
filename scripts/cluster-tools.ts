/**
 * `npm run tools` (second half): builds the Temporal server, its SQL schema tool and the Web UI server from the Go
 * module proxy into the tool cache (lib/cluster-tools.ts), for `npm run cluster` and the cluster suite. Idempotent.
 */
import { buildClusterTools } from '../lib/cluster-tools';
import { defaultToolsDir } from '../lib/tools';

async function run(): Promise<void> {
  const log = (msg: string) => console.log(`[tools] ${msg}`);
  const tools = await buildClusterTools(process.env.TOOLS_DIR || defaultToolsDir(), log);
  log(`Temporal server: ${tools.server}`);
  log(`Temporal SQL tool: ${tools.sqlTool}`);
  log(`Temporal Web UI server: ${tools.uiServer}`);
}

run().catch((err: unknown) => {
  console.error(`[tools] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
