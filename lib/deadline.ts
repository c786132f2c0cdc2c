// A promise bounded in time: what answers within `ms`, or a rejection naming what did not (the promise itself is left
// to settle unobserved). Used where a call must not hold up its caller: readiness checks, a read beside a money call.

export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
