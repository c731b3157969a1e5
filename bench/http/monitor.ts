// Preloaded into a server that bench/http/login.ts starts (`node --import tsx --import
// ./bench/http/monitor.ts <app>`), so that the app itself stays as it is: measures the event loop's
// delay (perf_hooks.monitorEventLoopDelay), how long the server takes over each `GET /users/me/` (from
// its 'request' event to the end of its answer, through Node's http diagnostics channels), and samples
// the resident set size every 10 ms; it answers over the IPC channel: 'reset' starts a new
// measurement, 'report' sends what was measured since.
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** What the server reports: how late the event loop ran, in milliseconds; sizes in bytes. */
export interface MonitorReport {
  eventLoopP50: number;
  eventLoopP99: number;
  eventLoopMax: number;
  /** How long the server took over a protected request (`GET /users/me/`), p99, in milliseconds. */
  protectedP99: number;
  peakRss: number;
  rss: number;
}

// Each sample is the time between two runs of a 10 ms timer: the delay is what exceeds the 10 ms.
const RESOLUTION = 10;
const delay = monitorEventLoopDelay({ resolution: RESOLUTION });
const late = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - RESOLUTION);
delay.enable();

// A protected request's time in the server: from the 'request' event to the end of the answer.
const serverTime = createHistogram();
const started = new WeakMap<IncomingMessage, bigint>();
const isProtected = (request: IncomingMessage) => request.method === 'GET' && request.url?.startsWith('/users/me') === true;
subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: IncomingMessage };
  if (isProtected(request)) started.set(request, process.hrtime.bigint());
});
subscribe('http.server.response.finish', (message) => {
  const begun = started.get((message as { request: IncomingMessage }).request);
  if (begun !== undefined) serverTime.record(Number(process.hrtime.bigint() - begun) || 1);
});

let peakRss = process.memoryUsage.rss();
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 10).unref();

process.on('message', (message) => {
  if (message === 'reset') {
    delay.reset();
    serverTime.reset();
    peakRss = process.memoryUsage.rss();
  }
  const report: MonitorReport = {
    eventLoopP50: late(delay.percentile(50)),
    eventLoopP99: late(delay.percentile(99)),
    eventLoopMax: late(delay.max),
    protectedP99: serverTime.count === 0 ? 0 : serverTime.percentile(99) / 1e6,
    peakRss,
    rss: process.memoryUsage.rss(),
  };
  process.send?.(report);
});
// The channel must not keep a server alive that was told to stop.
process.channel?.unref();
