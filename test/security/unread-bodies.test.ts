// A request refused before its body was read: the token endpoint refusing a form at its 17th field while
// the rest (Content-Length 60000) trickles in, a guard refusing a request that carries a body. The answer
// comes at once and says `Connection: close`, and the server closes the socket instead of reading a body
// that may trickle for as long as the client likes. A body read to its end keeps the connection alive.
// Every adapter, over raw sockets on a real server.
import { describe, expect, it } from 'vitest';
import { adapters, serve, type App } from '../support/adapters.js';
import { INVALID_GRANT, NOT_AUTHENTICATED, invalidRequest } from '../support/answers.js';
import { PASSWORD, WRONG_PASSWORD, securityEngine } from '../support/engine.js';
import { openConnection, requestBytes, type RawConnection } from '../support/raw-http.js';

const FORM = 'application/x-www-form-urlencoded';
const LIMIT = invalidRequest('Form exceeds a size limit');
/** How long the client goes on trickling at most: a byte every 100 ms. */
const TRICKLES = 100;

/**
 * Sends the head and the start of a body announced as 60000 bytes, then one byte every 100 ms until the
 * server closes the connection or {@link TRICKLES} bytes were sent. Resolves with the answer and whether
 * the server closed the connection meanwhile.
 */
async function trickle(app: App, head: { method: string; path: string; headers?: Record<string, string> }, start: string) {
  const connection = openConnection(app);
  try {
    const bytes = requestBytes({ ...head, headers: { ...head.headers, 'Content-Length': '60000' }, close: false });
    await connection.write(Buffer.concat([bytes, Buffer.from(start)]));
    const answer = await connection.response;
    const closed = await closedWhileTrickling(connection);
    return { answer, closed };
  } finally {
    connection.destroy();
  }
}

async function closedWhileTrickling(connection: RawConnection): Promise<boolean> {
  let closed = false;
  void connection.closed.then(() => (closed = true));
  for (let sent = 0; sent < TRICKLES && !closed; sent++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!closed) await connection.write('x');
  }
  return closed;
}

/** 17 fields, one more than the default `maxFields`. */
const SEVENTEEN_FIELDS = Array.from({ length: 17 }, (_, i) => `f${i}=1&`).join('');

describe.each(adapters)('$name', (adapter) => {
  const app = serve(adapter, () => securityEngine().then((e) => e.auth));

  it('a token request refused at its 17th field is answered at once with Connection: close, and the socket closed', async () => {
    const { answer, closed } = await trickle(app(), { method: 'POST', path: '/token', headers: { 'Content-Type': FORM } }, SEVENTEEN_FIELDS);
    expect(answer.status, answer.raw).toBe(400);
    expect(answer.json()).toEqual(LIMIT);
    expect(answer.headers.connection).toBe('close');
    expect(closed).toBe(true);
  });

  it('a token request that is not a form is refused unread, with Connection: close, and the socket closed', async () => {
    const { answer, closed } = await trickle(app(), { method: 'POST', path: '/token', headers: { 'Content-Type': 'text/plain' } }, 'user');
    expect(answer.status, answer.raw).toBe(400);
    expect(answer.headers.connection).toBe('close');
    expect(closed).toBe(true);
  });

  it('a guard refusing a request whose body is still coming closes the connection', async () => {
    const { answer, closed } = await trickle(app(), { method: 'GET', path: '/me', headers: { 'Content-Type': FORM } }, 'a=');
    expect(answer.status, answer.raw).toBe(401);
    expect(answer.json()).toEqual(NOT_AUTHENTICATED);
    expect(answer.headers.connection).toBe('close');
    expect(closed).toBe(true);
  });

  it('an answer to a body read to its end keeps the connection open for the next request', async () => {
    const connection = openConnection(app());
    try {
      const login = (password: string) =>
        requestBytes({ method: 'POST', path: '/token', headers: { 'Content-Type': FORM }, body: `username=johndoe&password=${password}`, close: false });
      await connection.write(login(WRONG_PASSWORD));
      const refused = await connection.response;
      expect(refused.status, refused.raw).toBe(400);
      expect(refused.json()).toEqual(INVALID_GRANT);
      expect(refused.headers.connection).not.toBe('close');
      // The same socket carries a second request.
      const second = openConnectionReader(connection);
      await connection.write(login(PASSWORD));
      expect(await second).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      connection.destroy();
    }
  });
});

/** The status line of the next response on a connection whose first response was already read. */
function openConnectionReader(connection: RawConnection): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    connection.socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const line = data.indexOf('\r\n');
      if (line !== -1) resolve(data.slice(0, line));
    });
    connection.socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(data)}`)));
  });
}
