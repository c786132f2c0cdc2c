/**
 * `npm run cluster [-- --mtls] [--no-ui]`: the production topology on loopback in one command, from deploy/ as it
 * is: PostgreSQL (a private cluster, or DATABASE_URL's server), the Temporal server v1.29.1 as four services
 * (frontend, history, matching, worker) with SQL visibility, deploy/temporal-setup.sh, 2 engine workers, 2 APIs,
 * the Amazon Pay simulator and the Temporal Web UI. Ctrl-C stops it all and removes its data.
 * The binaries come from `npm run tools` (built from the Go module proxy, cached).
 */
import { startCluster } from './cluster/topology';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const log = (msg: string) => console.log(`[cluster] ${msg}`);
  const cluster = await startCluster({ mtls: args.includes('--mtls'), ui: !args.includes('--no-ui'), databaseUrl: process.env.DATABASE_URL || undefined, log });
  const lines = [
    ['Temporal frontend', `${cluster.temporalAddress} (namespace ${cluster.namespace}${cluster.certs ? `, mTLS: CA ${cluster.certs.ca}` : ''})`],
    ...(cluster.uiUrl ? [['Temporal Web UI', cluster.uiUrl]] : []),
    ...cluster.apiUrls.map((u, i) => [`API ${i + 1}`, u]),
    ['Amazon Pay simulator', cluster.simulatorUrl],
    ['Logs', `${cluster.dir}/logs`],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  process.stdout.write(`\nThe engine runs on a Temporal cluster (Ctrl-C to stop):\n${lines.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    void cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`[cluster] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
