/**
 * How long rendering takes: 1,000 environments (branches and PRs) of a 5-service Riofile.
 * The target is under 1 s in total; this prints the figure, tests do not assert timings.
 *
 *   npx tsc -p . && node dist/bench/render.js
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseRiofile } from '../engine/riofile/index.js';
import { render, toYaml } from '../engine/render/index.js';
import type { Environment } from '../engine/render/index.js';

const RIOFILE = `
configs:
  site:
    index.html: <h1>hello</h1>
services:
  web:
    build:
      context: web
      args: [NODE_ENV=production]
    ports: ['80:8080/http', '9090/http,metrics,internal']
    env: [LEVEL=info, DB_PASSWORD=secret://db/password, POD=$(self/name)]
    configs: [site/index.html:/usr/share/nginx/html/index.html]
    cpus: 200m
    memory: 256Mi
    autoscale: {minReplicas: 2, maxReplicas: 10, concurrency: 20}
    permissions: ['get,list,watch configmaps']
  web-v2:
    app: web
    version: v2
    weight: 10
    image: nginx:1.27
    ports: [80:8080/http]
  api:
    image: example/api:1.4.2
    ports: [8080/http]
    env: [MODE=prod]
    containers:
    - name: migrate
      init: true
      image: example/api:1.4.2
      args: [migrate]
  worker:
    image: example/worker:2
    scale: 3
    volumes: [scratch:/scratch]
  cache:
    image: redis:7
    ports: [6379/tcp]
routers:
  gateway:
    routes:
    - match: {path: {prefix: /api}, methods: [GET, POST]}
      to: [{app: api}]
    - match: {path: {prefix: /}}
      to: [{app: web, version: v0, weight: 90}, {app: web, version: v2, weight: 10}]
externalservices:
  search: {fqdn: search.example.com}
`;

/**
 * CPU time of the main thread in ms (Linux: /proc, 10 ms resolution), or undefined elsewhere.
 * Unlike wall time it does not grow while the machine is busy with other processes, and unlike
 * process.cpuUsage() it leaves out the GC helper threads.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

const riofile = parseRiofile(RIOFILE, { file: 'bench.Riofile' });
const cluster = { domain: 'apps.example.com', registry: 'registry.example.com/ria', gateway: { namespace: 'ria-gateway', name: 'public' } };
const source = { repoUrl: 'https://github.com/example/shop.git', cloneSecretName: 'github-clone' };
const hex = (i: number) => i.toString(16).padStart(40, '0');
const environments: Environment[] = Array.from({ length: 1000 }, (_, i) =>
  i % 2 === 0
    ? { app: 'shop', kind: 'branch', branch: `feature/ticket-${i}-some-work`, commit: hex(i) }
    : { app: 'shop', kind: 'pr', pr: i, commit: hex(i) });

// Warm up the JIT so the figure is steady-state rendering, not compilation.
for (const environment of environments.slice(0, 50)) render({ riofile, environment, cluster, source });

let objects = 0;
const cpuStart = process.cpuUsage();
const threadStart = mainThreadCpuMs();
const start = performance.now();
for (const environment of environments) {
  const result = render({ riofile, environment, cluster, source });
  objects += result.objects.length + result.buildJobs.length;
}
const renderMs = performance.now() - start;
const threadEnd = mainThreadCpuMs();
const threadMs = threadStart !== undefined && threadEnd !== undefined ? threadEnd - threadStart : undefined;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;

const yamlStart = performance.now();
for (const environment of environments.slice(0, 100)) {
  const result = render({ riofile, environment, cluster, source });
  toYaml([...result.buildJobs, ...result.objects]);
}
const yamlMs = performance.now() - yamlStart;

process.stdout.write([
  `render: ${environments.length} environments of a 5-service Riofile (${objects} objects) in ${renderMs.toFixed(0)} ms`,
  `        ${(renderMs / environments.length).toFixed(3)} ms per environment (wall)`,
  `        main-thread CPU time ${threadMs === undefined ? 'n/a' : `${threadMs} ms`}; process CPU time ${cpuMs.toFixed(0)} ms (with GC threads)`,
  `        target < 1000 ms in total: ${renderMs < 1000 ? 'met' : threadMs !== undefined && threadMs < 1000 ? 'met in CPU time; wall time is over (is the machine busy?)' : 'NOT met'}`,
  `yaml:   render + serialize of 100 environments in ${yamlMs.toFixed(0)} ms (not part of the target)`,
  '',
].join('\n'));
