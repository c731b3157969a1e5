// The fetch tutorial (examples/fetch.ts) on Cloudflare's workerd: a Worker module whose fetch handler is
// the same Hono app. workerd runs bundles, not a file tree: examples/workerd/serve.ts bundles this file with
// esbuild the way wrangler does (the `workerd` condition of package.json "exports", which selects the
// JavaScript build of `gatepass/password`: workerd loads no native addon), writes workerd's config and
// starts it. `gatepass`, `gatepass/fetch` and `gatepass/password` are the built dist/ (`npm run build`).
// Run: npm run example:workerd (node --import tsx examples/workerd/serve.ts)
import { app } from './fetch.js';

export default {
  fetch: (request: Request): Response | Promise<Response> => app.fetch(request),
};
