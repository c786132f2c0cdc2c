// Moved to lib/temporal-client.ts (the API and scripts use it, and the API must not import the worker). This
// re-export keeps api/server.ts compiling until it imports lib/temporal-client directly; then delete this file.
export { createTemporalClient, TEMPORAL_DRAIN_MS, type TemporalClient } from '../lib/temporal-client';
