// Logins from a chosen client address: on Linux the whole of 127.0.0.0/8 is loopback, so a request sent
// from 127.x.y.z (bound with `localAddress`) reaches an app on 127.0.0.1 from that address, as a client on
// another host would. For the login-throttle suites, whose limits are per client address.
import { request as httpRequest } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** POSTs a urlencoded login to `path` (default `/token`) on 127.0.0.1:`port` from the loopback address `from`, on a connection of its own. */
export function loginFrom(port: number, from: string, username: string, password: string, path = '/token'): Promise<Answer> {
  const body = new URLSearchParams({ username, password }).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        agent: false,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as unknown });
          } catch (err) {
            reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`, { cause: err }));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
