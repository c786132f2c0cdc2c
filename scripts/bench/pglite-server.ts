// Child process of the bench and chaos stacks: the embedded PGlite database served on PGLITE_PORT from DATA_DIR/pglite, closed cleanly on SIGTERM.
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

async function run(): Promise<void> {
  const db = await PGlite.create(path.join(process.env.DATA_DIR ?? '.', 'pglite'));
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: Number(process.env.PGLITE_PORT), maxConnections: 64 });
  await server.start();
  const stop = async () => {
    await server.stop();
    await db.close();
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
