// Preloaded into a server that bench/http/login.ts starts (`node --import tsx --import
// ./bench/http/monitor.ts <app>`), so that the app itself stays as it is: measures the event loop's
// delay (perf_hooks.monitorEventLoopDelay) and samples the resident set size every 10 ms, and answers
// over the IPC channel: 'reset' starts a new measurement, 'report' sends what was measured since.
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What the server reports: delays in milliseconds, sizes in bytes. */
export interface MonitorReport {
  eventLoopP50: number;
  eventLoopP99: number;
  eventLoopMax: number;
  peakRss: number;
  rss: number;
}

const delay = monitorEventLoopDelay({ resolution: 10 });
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
    eventLoopP50: delay.percentile(50) / 1e6,
    eventLoopP99: delay.percentile(99) / 1e6,
    eventLoopMax: delay.max / 1e6,
    peakRss,
    rss: process.memoryUsage.rss(),
  };
  process.send?.(report);
});
// The channel must not keep a server alive that was told to stop.
process.channel?.unref();
