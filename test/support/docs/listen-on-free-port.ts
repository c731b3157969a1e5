// Preloaded (`node --import tsx --import <this file> app.ts`) into a documented app the docs test
// runs: whatever port and host the app asks for, its server listens on a free port of 127.0.0.1,
// and the port is sent to the test over the IPC channel. This is the only change made to the app.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const listen = net.Server.prototype.listen;

function freePort(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (typeof first === 'object' && first !== null) return [{ ...first, port: 0, host: '127.0.0.1' }, ...rest];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    return [0, '127.0.0.1', ...(typeof rest[0] === 'string' ? rest.slice(1) : rest)];
  }
  return args;
}

net.Server.prototype.listen = function listenOnFreePort(this: net.Server, ...args: unknown[]) {
  this.once('listening', () => {
    process.send?.({ listening: (this.address() as AddressInfo).port });
  });
  return (listen as (...a: unknown[]) => net.Server).apply(this, freePort(args));
} as typeof net.Server.prototype.listen;
