// The client of bench/http/login.ts that sends protected requests beside the logins, in a process of its
// own, so that its timings never wait behind the login connections' callbacks in the load generator's
// event loop. It prints `ready`, starts when a line comes on stdin, and prints one line of JSON: the p99
// latency, and how many answers were not 2xx.
//
// Run by bench/http/login.ts: `node --import tsx bench/http/protected-client.ts URL TOKEN SECONDS RATE`.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { load } from './load.js';

const [url, token, seconds, rate] = process.argv.slice(2);
if (url === undefined || token === undefined) throw new Error('usage: protected-client.ts URL TOKEN SECONDS RATE');
const lines = createInterface({ input: process.stdin });
console.log('ready');
await once(lines, 'line');
lines.close();
const result = await load({ url, connections: 1, duration: Number(seconds), overallRate: Number(rate), token: () => token });
console.log(JSON.stringify({ p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors }));
