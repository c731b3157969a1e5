// One line saying where and when a benchmark ran, printed above its table: the figures are only
// comparable with others from the same run.
import { cpus, loadavg } from 'node:os';

export function machineLine(): string {
  const processors = cpus();
  const load = loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
  return `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${processors.length} × ${processors[0]?.model ?? 'unknown CPU'}, load average ${load}`;
}
