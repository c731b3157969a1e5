// Preloaded into a server that bench/http/login.ts starts (`node --import tsx --import
// ./bench/http/monitor.ts <app>`), so that the app itself stays as it is: measures the event loop's
// delay (perf_hooks.monitorEventLoopDelay) and samples the resident set size every 10 ms, and answers
// over the IPC channel: 'reset' starts a new measurement, 'report' sends what was measured since.
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What the server reports: how late the event loop ran, in milliseconds; sizes in bytes. */
export interface MonitorReport {
  eventLoopP50: number;
  eventLoopP99: number;
  eventLoopMax: number;
  peakRss: number;
  rss: number;
}

// Each sample is the time between two runs of a 10 ms timer: the delay is what exceeds the 10 ms.
const RESOLUTION = 10;
const delay = monitorEventLoopDelay({ resolution: RESOLUTION });
const late = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - RESOLUTION);
delay.enable();
let peakRss = process.memoryUsage.rss();
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 10).unref();

process.on('message', (message) => {
  if (message === 'reset') {
    delay.reset();
    peakRss = process.memoryUsage.rss();
  }
  const report: MonitorReport = {
    eventLoopP50: late(delay.percentile(50)),
    eventLoopP99: late(delay.percentile(99)),
    eventLoopMax: late(delay.max),
    peakRss,
    rss: process.memoryUsage.rss(),
  };
  process.send?.(report);
});
// The channel must not keep a server alive that was told to stop.
process.channel?.unref();
