/**
 * How long `parseRiofile` takes on a 500-service Riofile (target: well under 100 ms once the
 * schema is compiled). Run: npx tsc -p . && node dist/bench/validate.js [services] [runs]
 * Prints figures only; timing is never asserted in tests (CI machines vary too much).
 */
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { parseRiofile } from '../engine/riofile/index.js';

export function bigRiofile(count: number): string {
  const lines = ['configs:', '  shared:', '    app.conf: |-', '      level=info', 'services:'];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  svc-${i}:`,
      `    image: registry.example.com/team/svc-${i}:v${i % 7}`,
      `    version: v${i % 3}`,
      `    app: app-${Math.floor(i / 3)}`,
      `    weight: ${i % 3 === 0 ? 100 : 0}`,
      '    scale: 1-5',
      '    cpus: 250m',
      '    memory: 128Mi',
      '    ports:',
      '    - 80:8080/http,web',
      '    - 9090/tcp,metrics,internal',
      '    env:',
      `    - NAME=svc-${i}`,
      '    - PASSWORD=secret://db/password',
      '    - POD=$(self/name)',
      '    configs:',
      '    - shared/app.conf:/etc/app/app.conf',
      '    global_permissions:',
      '    - get,list,watch pods',
      '    - "* configmaps"',
      '    readinessProbe:',
      '      httpGet: {path: /ready, port: 8080}',
      '    containers:',
      '    - name: proxy',
      '      image: envoyproxy/envoy:v1.28',
      '      args: --config /etc/envoy.yaml',
    );
  }
  return lines.join('\n') + '\n';
}

/** A compact service, the size of Rio's examples: image, ports, env, a config. */
export function compactRiofile(count: number): string {
  const lines = ['services:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  svc-${i}:`, `    image: nginx:1.${i % 20}`, '    ports: 80/http', `    env: [NAME=svc-${i}]`, '    scale: 2');
  }
  return lines.join('\n') + '\n';
}

/**
 * Median and min wall time of `runs` calls of `f` after one warm-up call, and the mean CPU time
 * (less disturbed than wall time when other processes share the machine).
 */
function measure(f: () => unknown, runs: number): { median: number; min: number; cpu: number } {
  f();
  const times: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    times.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]!, cpu: (cpu.user + cpu.system) / 1000 / runs };
}

function main(): void {
  const count = Number(process.argv[2] ?? 500);
  const runs = Number(process.argv[3] ?? 20);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const start = performance.now();
  parseRiofile(compactRiofile(1));
  process.stdout.write(`first call (compiles the schema): ${ms(performance.now() - start)}\n`);
  for (const [name, source] of [['compact', compactRiofile(count)], ['rich', bigRiofile(count)]] as const) {
    const total = measure(() => parseRiofile(source), runs);
    // The YAML parse alone (the yaml package, with source positions): the rest is Ria's validation.
    const yaml = measure(() => parseAllDocuments(source, { uniqueKeys: true }), runs);
    process.stdout.write(
      `validate ${count} ${name} services (${source.split('\n').length} lines, ${(source.length / 1024).toFixed(0)} KiB): ` +
        `median ${ms(total.median)} (min ${ms(total.min)}, cpu ${ms(total.cpu)}); of which YAML parsing ${ms(yaml.median)} (cpu ${ms(yaml.cpu)}), ` +
        `schema + normalization ${ms(Math.max(0, total.median - yaml.median))} (cpu ${ms(Math.max(0, total.cpu - yaml.cpu))})\n`,
    );
  }
}

// Only when run directly, so the generators can be imported.
if (process.argv[1]?.endsWith('validate.js')) main();
