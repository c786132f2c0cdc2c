/** Starts an Express app on a random loopback port for a test and returns its base URL. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** Polls `fn` until it returns true, at most `timeoutMs`. */
export async function waitFor(fn: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** A free TCP port on loopback (closed again before returning). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Signs in to the admin console at `baseUrl` with an API key, as a browser does (the login page's CSRF token, then the
 * form post); answers the session cookie to send with later requests.
 */
export async function consoleSignIn(baseUrl: string, key: string): Promise<string> {
  const login = await fetch(`${baseUrl}/admin/login`);
  const loginCsrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1];
  if (!loginCsrf) throw new Error('the console login page has no CSRF token');
  const signedIn = await fetch(`${baseUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `console_login_csrf=${encodeURIComponent(loginCsrf)}` },
    body: new URLSearchParams({ _csrf: loginCsrf, apiKey: key }).toString(),
  });
  const cookie = /console_session=[^;]+/.exec(signedIn.headers.get('set-cookie') ?? '')?.[0];
  if (signedIn.status !== 303 || !cookie) throw new Error(`console sign-in answered ${signedIn.status} without a session`);
  return cookie;
}
