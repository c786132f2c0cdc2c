// The demo shop calls the engine's JSON API over loopback HTTP with a storefront key, as a real shop would.
import type { Request } from 'express';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

/** The base URL of the server that accepted this request, reached from inside the process. */
export function selfBaseUrl(req: Request): string {
  let host = req.socket.localAddress ?? '127.0.0.1';
  if (host.startsWith('::ffff:')) host = host.slice(7);
  if (host === '::' || host === '0.0.0.0' || host === '') host = '127.0.0.1';
  const port = req.socket.localPort ?? 80;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function callApi<T = unknown>(base: string, key: string, method: string, pathname: string, body?: unknown, timeoutMs = 30_000): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${pathname}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { error: { code: 'bad_response', message: text.slice(0, 200) } };
  }
  return { status: res.status, body: parsed as T };
}

export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: { reasonCode?: string; buyerMessage?: { ja?: string; en?: string }; adminMessage?: { ja?: string; en?: string } } & Record<string, unknown> };
}
