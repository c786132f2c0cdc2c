// Child process of the bench and chaos stacks: the embedded PGlite database served on PGLITE_PORT from DATA_DIR, closed cleanly on SIGTERM.
import { startEmbeddedPostgres } from '../../lib/database';

async function run(): Promise<void> {
  const pg = await startEmbeddedPostgres({ dataDir: process.env.DATA_DIR ?? '.', port: Number(process.env.PGLITE_PORT), maxConnections: 64 });
  const stop = async () => {
    await pg.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  console.log(JSON.stringify({ msg: 'database ready', port: process.env.PGLITE_PORT }));
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
