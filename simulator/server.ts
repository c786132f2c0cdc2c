// `npm run simulator`: the Amazon Pay simulator alone on SIMULATOR_HOST:SIMULATOR_PORT, with the dev merchant registered.
import { z } from 'zod';
import { ConfigError, loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { DEV_NOTIFICATION_PATH, registerEngineMerchant } from './embedded';
import { startSimulator } from './index';

/** Simulator-only knob (not part of the engine's configuration): SIMULATOR_DELAYS=zero for benchmarks. */
const delaysSchema = z.enum(['default', 'zero']).default('default');

async function run(): Promise<void> {
  const config = loadConfig();
  const delays = delaysSchema.safeParse(process.env.SIMULATOR_DELAYS?.trim() || undefined);
  if (!delays.success) throw new ConfigError([`SIMULATOR_DELAYS: expected "default" or "zero", got "${process.env.SIMULATOR_DELAYS}"`]);
  const log = createLogger(config.logLevel, 'amazon-pay-simulator');
  const sim = await startSimulator({
    host: config.simulator.host,
    port: config.simulator.port,
    dataDir: config.dataDir,
    logger: log,
    delays: delays.data === 'zero' ? 'zero' : undefined,
  });
  const notificationUrl = `${config.api.publicUrl}${DEV_NOTIFICATION_PATH}`;
  await registerEngineMerchant(sim, config, notificationUrl, log);
  log.info(`Amazon Pay simulator on ${sim.baseUrl} (overrideServiceUrl ${sim.address}; control API ${sim.baseUrl}/__sim; CA ${config.dataDir}/simulator/tls-cert.pem)`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the simulator');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `npm run simulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
