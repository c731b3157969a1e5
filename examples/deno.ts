// The fetch tutorial (examples/fetch.ts) on Deno: Deno.serve runs the same Hono app. Deno reads
// node_modules and package.json as Node does, so `gatepass`, `gatepass/fetch` and `gatepass/password`
// are the package's own "exports", the built dist/ (`npm run build`). It needs --sloppy-imports for the
// examples' `./tutorial.js` specifiers of .ts files, and --allow-ffi for @node-rs/argon2.
// Run: npm run example:deno
//   (deno run --sloppy-imports --allow-net --allow-env --allow-read --allow-ffi examples/deno.ts)
import { app } from './fetch.js';
import { address, announce, stopOnSignal } from './tutorial.js';

// The little of Deno's API this file uses (`deno types` prints the whole of it).
declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen: (addr: { port: number }) => void },
    handler: (request: Request, info: unknown) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
};

// onListen replaces Deno's own "Listening on" line with the one line every example app prints. The
// connection info goes to Hono as c.env: the token endpoint reads the client's address from it.
const server = Deno.serve({ port: address.port, hostname: address.host, onListen: ({ port }) => announce(port) }, (request, info) =>
  app.fetch(request, info),
);
stopOnSignal(() => server.shutdown());
