// The fetch tutorial (examples/fetch.ts) on Bun: Bun.serve runs the same Hono app. Bun resolves
// `gatepass`, `gatepass/fetch` and `gatepass/password` through tsconfig.json "paths", as tsx does on Node.
// Run: npm run example:bun (bun examples/bun.ts)
import { app } from './fetch.js';
import { address, announce, stopOnSignal } from './tutorial.js';

// The little of Bun's API this file uses (bun-types has the whole of it).
declare const Bun: {
  serve(options: {
    fetch: (request: Request, server: unknown) => Response | Promise<Response>;
    port: number;
    hostname: string;
  }): { readonly port: number; stop(closeActiveConnections?: boolean): Promise<void> };
};

// The server goes to Hono as c.env: the token endpoint asks it for the client's address (requestIP).
const server = Bun.serve({ fetch: (request, bunServer) => app.fetch(request, bunServer), port: address.port, hostname: address.host });
announce(server.port);
// true: drop open keep-alive connections too, so the process exits at once.
stopOnSignal(() => server.stop(true));
