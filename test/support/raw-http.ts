// HTTP/1.1 over raw node:net sockets: fetch normalises or refuses exactly what these suites need to send
// (repeated headers, control characters, unterminated or stalled bodies), so every request here is bytes
// written to a socket, and every answer is the bytes read back, parsed just enough to assert on.
import { connect as netConnect, type Socket } from 'node:net';
import { expect } from 'vitest';
import type { App } from './adapters.js';
import { BAD_CREDENTIALS, invalidTokenChallenge, type InvalidTokenCode } from './answers.js';
import { FORM } from './http.js';

export interface RawResponse {
  /** `HTTP/1.1 401 Unauthorized` */
  statusLine: string;
  status: number;
  /** Header names lowercased; a repeated header's values joined with `, `. */
  headers: Record<string, string>;
  /** The header lines as sent. */
  headerLines: string[];
  /** The body (de-chunked), as bytes and as UTF-8 text. */
  bodyBytes: Buffer;
  body: string;
  /** Everything received for this response, as latin1 text (status line, headers, body). */
  raw: string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

export interface RawConnection {
  write(data: string | Uint8Array): Promise<void>;
  /** Half-closes: the client sends FIN, and can still read. */
  end(): void;
  destroy(): void;
  /** The first response read on the connection. Rejects if the connection closes before any byte of it. */
  readonly response: Promise<RawResponse>;
  /** Resolves when the server closed its side of the connection (FIN or reset), or it was destroyed. */
  readonly closed: Promise<void>;
  readonly socket: Socket;
}

/** Parses one response from the start of `data`; `undefined` while it is incomplete. */
function parse(data: Buffer, ended: boolean): RawResponse | undefined {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const head = data.subarray(0, headEnd).toString('latin1');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const rest = data.subarray(headEnd + 4);
  let bodyBytes: Buffer;
  let consumed: number;
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
    const chunks: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', at);
      if (lineEnd === -1) return ended ? finish() : undefined;
      const size = Number.parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        const trailerEnd = rest.indexOf('\r\n', lineEnd + 2);
        if (trailerEnd === -1) return ended ? finish() : undefined;
        consumed = trailerEnd + 2;
        break;
      }
      if (rest.length < lineEnd + 2 + size + 2) return ended ? finish() : undefined;
      chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    bodyBytes = Buffer.concat(chunks);
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return ended ? finish() : undefined;
    bodyBytes = rest.subarray(0, length);
    consumed = length;
  } else {
    if (!ended) return undefined;
    bodyBytes = rest;
    consumed = rest.length;
  }
  return build(bodyBytes, data.subarray(0, headEnd + 4 + consumed));

  function finish(): RawResponse {
    return build(rest, data);
  }
  function build(body: Buffer, all: Buffer): RawResponse {
    const text = body.toString('utf8');
    return {
      statusLine,
      status: Number(statusLine.split(' ')[1]),
      headers,
      headerLines,
      bodyBytes: body,
      body: text,
      raw: all.toString('latin1'),
      json: <T>() => JSON.parse(text) as T,
    };
  }
}

/** Opens a connection to `app`; the caller writes the request. */
export function openConnection(app: App): RawConnection {
  const socket = netConnect({ host: '127.0.0.1', port: app.port, allowHalfOpen: true });
  socket.setNoDelay(true);
  let data = Buffer.alloc(0);
  let settled = false;
  let resolveResponse!: (value: RawResponse) => void;
  let rejectResponse!: (reason: Error) => void;
  const response = new Promise<RawResponse>((resolve, reject) => {
    resolveResponse = resolve;
    rejectResponse = reject;
  });
  const closed = new Promise<void>((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
  });
  const settle = (ended: boolean): void => {
    if (settled) return;
    const parsed = parse(data, ended);
    if (parsed !== undefined) {
      settled = true;
      resolveResponse(parsed);
    } else if (ended) {
      settled = true;
      rejectResponse(Object.assign(new Error(`connection closed after ${data.length} bytes`), { received: data.toString('latin1') }));
    }
  };
  socket.on('data', (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
    settle(false);
  });
  socket.on('end', () => settle(true));
  socket.on('close', () => settle(true));
  // A reset after the answer (the server destroying a socket whose body it refused) is not a failure.
  socket.on('error', () => settle(true));
  return {
    socket,
    response,
    closed,
    write: (chunk) =>
      new Promise<void>((resolve) => {
        if (socket.destroyed) resolve();
        else socket.write(chunk, () => resolve());
      }),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };
}

export type HeaderList = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

export interface RequestSpec {
  method?: string;
  path: string;
  /** Sent in order, as given (repeats allowed), after `Host`. Text is written as its UTF-8 bytes. */
  headers?: HeaderList;
  /** The body; `Content-Length` is added unless a header sets it or `Transfer-Encoding`. */
  body?: string | Uint8Array;
  /** Add `Connection: close` (default true): each request gets its own connection. */
  close?: boolean;
}

const utf8 = new TextEncoder();

/** The bytes of an HTTP/1.1 request. */
export function requestBytes(spec: RequestSpec): Buffer {
  const headers: Array<readonly [string, string]> = Array.isArray(spec.headers)
    ? [...(spec.headers as ReadonlyArray<readonly [string, string]>)]
    : Object.entries(spec.headers ?? {});
  const names = headers.map(([name]) => name.toLowerCase());
  const body = typeof spec.body === 'string' ? utf8.encode(spec.body) : spec.body;
  const lines = [`${spec.method ?? 'GET'} ${spec.path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (body !== undefined && !names.includes('content-length') && !names.includes('transfer-encoding')) {
    lines.push(`Content-Length: ${body.byteLength}`);
  }
  if (spec.close !== false && !names.includes('connection')) lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body ?? new Uint8Array()]);
}

/** Sends raw bytes on a new connection and reads one response. */
export async function rawRequest(app: App, bytes: string | Uint8Array, options: { halfClose?: boolean } = {}): Promise<RawResponse> {
  const connection = openConnection(app);
  try {
    await connection.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    if (options.halfClose) connection.end();
    return await connection.response;
  } finally {
    connection.destroy();
  }
}

/** Sends one request on a new connection and reads the response. */
export function send(app: App, spec: RequestSpec): Promise<RawResponse> {
  return rawRequest(app, requestBytes(spec));
}

export const get = (app: App, path: string, headers: HeaderList = {}): Promise<RawResponse> => send(app, { path, headers });
export const withBearer = (app: App, path: string, token: string): Promise<RawResponse> =>
  get(app, path, { Authorization: `Bearer ${token}` });

/** A urlencoded POST to `/token`. */
export function postForm(app: App, fields: Record<string, string> | string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const body = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
  return send(app, { method: 'POST', path: '/token', headers: { 'Content-Type': FORM, ...headers }, body });
}

/** A multipart body as a browser's FormData encodes it: `[contentType, bytes]`. */
export async function multipartBody(build: (form: FormData) => void): Promise<[string, Uint8Array]> {
  const form = new FormData();
  build(form);
  const encoded = new Response(form);
  return [encoded.headers.get('content-type') as string, new Uint8Array(await encoded.arrayBuffer())];
}

export interface Expected {
  status: number;
  body: unknown;
  /** `WWW-Authenticate`: a value, or `null` for none. Not checked when left out. */
  challenge?: string | null;
  /** More headers, exact; `null` for absent. */
  headers?: Record<string, string | null>;
}

/** Asserts a gatepass answer: exact status, JSON content type, exact body, challenge and headers. */
export function expectAnswer(res: RawResponse, expected: Expected): void {
  const context = `${res.statusLine}\n${res.headerLines.join('\n')}\n\n${res.body}`;
  expect(res.status, context).toBe(expected.status);
  expect(res.headers['content-type'], context).toMatch(/^application\/json(; ?charset=utf-8)?$/i);
  expect(res.json(), context).toEqual(expected.body);
  if (expected.challenge !== undefined) expect(res.headers['www-authenticate'] ?? null, context).toBe(expected.challenge);
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    expect(res.headers[name.toLowerCase()] ?? null, `${name}\n${context}`).toBe(value);
  }
}

/** A 401 `invalid_token` answer from a protected route. */
export function expectInvalidToken(res: RawResponse, code: InvalidTokenCode): void {
  expectAnswer(res, { status: 401, body: BAD_CREDENTIALS, challenge: invalidTokenChallenge(code) });
}

/** A token-endpoint error: status, body, and `Cache-Control: no-store`. */
export function expectTokenError(res: RawResponse, status: number, body: unknown, headers: Record<string, string | null> = {}): void {
  expectAnswer(res, { status, body, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...headers } });
}

/** The app still answers a plain request on a new connection. */
export async function expectHealthy(app: App): Promise<void> {
  const res = await get(app, '/health');
  expect(res.status).toBe(200);
  expect(res.json()).toEqual({ ok: true });
}

// ---- What Node's HTTP server answers before any app code runs -----------------------------------------

/**
 * The exact bytes a server answers a request that Node's HTTP parser refuses (llhttp, strict mode: control
 * characters in a header value, obs-fold, whitespace before the colon, Content-Length with
 * Transfer-Encoding, a body cut short, …: 400; a header section over `maxHeaderSize`, 16 KiB: 431).
 * Express, Koa and the fetch adapter leave Node's default `clientError` answer; Fastify installs its own
 * `clientErrorHandler`, which answers the same statuses with a small JSON body. Either way the connection
 * is closed and the app never sees the request.
 */
export function nodeRefusal(adapter: string, status: 400 | 431): string {
  if (adapter === 'fastify') {
    const body =
      status === 400
        ? '{"error":"Bad Request","message":"Client Error","statusCode":400}'
        : '{"error":"Request Header Fields Too Large","message":"Exceeded maximum allowed HTTP header size","statusCode":431}';
    const reason = status === 400 ? 'Bad Request' : 'Request Header Fields Too Large';
    return `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`;
  }
  return status === 400 ? 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n';
}
