// A resource for the tests of one describe block (or file), started before the first test and stopped after the last.

export interface UseStartedOptions {
  /** How long starting may take (the beforeAll hook's timeout). */
  startTimeoutMs?: number;
  /** How long stopping may take (the afterAll hook's timeout). */
  stopTimeoutMs?: number;
}

/**
 * Registers the beforeAll that starts the resource and the afterAll that stops it, and returns a handle that stands
 * for the resource once it runs: use it inside tests and hooks (reading it at collection time throws, saying so).
 * Hooks run in the order they are declared, so a beforeAll declared after this call sees the resource running, and
 * an afterAll declared after it runs once the resource has stopped.
 */
export function useStarted<T extends object>(name: string, start: () => Promise<T>, stop: (resource: T) => Promise<void>, options: UseStartedOptions = {}): T {
  let resource: T | undefined;
  beforeAll(async () => {
    resource = await start();
  }, options.startTimeoutMs ?? 120_000);
  afterAll(async () => {
    if (resource) await stop(resource);
  }, options.stopTimeoutMs);
  return new Proxy({} as T, {
    get(_target, prop) {
      if (prop === 'then') return undefined; // not a promise: `await handle` must not look inside
      if (!resource) throw new Error(`the ${name} is not running (read "${String(prop)}" outside a test or hook, or it failed to start)`);
      const value: unknown = Reflect.get(resource, prop, resource);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(resource) : value;
    },
    set(_target, prop, value) {
      if (!resource) throw new Error(`the ${name} is not running (set "${String(prop)}" outside a test or hook)`);
      return Reflect.set(resource, prop, value, resource);
    },
  });
}
