// HTTP through fetch, for the adapter and contract suites: request bodies, a response check, and a real
// server on listen(0) driven with fetch. What fetch refuses to send is in ./raw-http.ts; the bodies
// gatepass answers are in ./answers.ts.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';

/** Sends a request to the app under test: a path on a real server, or an in-memory `app.fetch`. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

export const FORM = 'application/x-www-form-urlencoded';

/** johndoe's credentials, as form fields. */
export const LOGIN = { username: 'johndoe', password: 'secret' };
/** 70 KiB: more than the core's 64 KiB body limit. */
export const PADDING = 'x'.repeat(70 * 1024);

/** johndoe's login as urlencoded text, with more `&name=value` pairs after it. */
export const login = (extra = '') => `username=johndoe&password=secret${extra}`;
/** A 70 KiB urlencoded login. */
export const big = () => login(`&pad=${PADDING}`);

/** POSTs `text` as `application/x-www-form-urlencoded` (no charset parameter). */
export const urlencoded = (text: string): RequestInit => ({ method: 'POST', body: text, headers: { 'content-type': FORM } });
/** POSTs `fields` as a URLSearchParams body (`application/x-www-form-urlencoded;charset=UTF-8`). */
export const form = (fields: Record<string, string>): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields) });
/** POSTs `fields` as `multipart/form-data`. */
export const multipart = (fields: Record<string, string>): RequestInit => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return { method: 'POST', body: data };
};
/** POSTs `text` as `application/json` (whether it parses or not). */
export const json = (text: string): RequestInit => ({ method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
/**
 * POSTs `text` as a urlencoded form streamed without Content-Length (in one chunk, or in chunks of `chunkSize`
 * bytes), so only the core's streaming limit can stop it.
 */
export const chunked = (text: string, chunkSize = Infinity): RequestInit => {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += chunkSize) controller.enqueue(bytes.slice(at, at + chunkSize));
      controller.close();
    },
  });
  return { method: 'POST', body, duplex: 'half', headers: { 'content-type': FORM } } as RequestInit;
};

/** Sends `token` in the Authorization header. */
export const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

/** Checks a JSON answer: its status, a JSON content type, the given headers (`null`: absent) and the exact body. */
export async function expectAnswer(res: Response, status: number, body: unknown, headers: Record<string, string | null> = {}): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
  for (const [name, value] of Object.entries(headers)) expect(res.headers.get(name), name).toBe(value);
  expect(await res.json()).toEqual(body);
}

export interface Target {
  send: Send;
  close(): Promise<void>;
}

/** Waits for `server` (already told to listen on 127.0.0.1) to listen, and drives it with fetch. */
export async function listening(server: Server): Promise<Target> {
  if (!server.listening) await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    send: (path, init) => fetch(base + path, init),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
