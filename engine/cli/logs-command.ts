import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Command, CommandIO } from './command.js';
import { RiaError, UsageError } from '../errors.js';
import { loadKubeAccess, type KubeAccess } from '../kube/kube-access.js';
import type { Environment } from '../crds/types.js';
import { builderNamespace } from '../controller/environment/cluster-settings.js';
import { kubeLogsSource, type LogsSource, type PodContainers } from './logs-source.js';

const usage = `Usage: ria logs APP [--env ENV] [--build] [-f] [--tail N] [-n NAMESPACE] [--kubeconfig FILE]

Prints the log of an app's environment: every container of every pod in the environment's
namespace (init containers first), each under a "==> pod/POD container <==" line.
With --build: the build of the environment's current commit (or the last build it recorded):
the build pod's containers in order, the source fetch and then Kaniko running the Dockerfile's
steps. Reads through the Kubernetes API (pods/log) with your kubeconfig, as kubectl logs does.

Options:
  --env ENV             the environment: a branch (main) or a pull request (pr-7); default: the
                        app's only environment, else main
  --build               the build's log instead of the pods'
  -f, --follow          keep printing new lines until the containers stop (Ctrl-C to stop)
  --tail N              only the last N lines of each container
  -n, --namespace NS    namespace of Ria's Environment objects (default: every namespace)
  --kubeconfig FILE     kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)`;

export interface LogsArgs { app: string; env?: string; build: boolean; follow: boolean; tail?: number; namespace?: string; kubeconfig?: string }

export function parseLogsArgs(args: string[]): LogsArgs {
  const positional: string[] = [];
  const out: Omit<LogsArgs, 'app'> = { build: false, follow: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => { const v = args[++i]; if (!v) throw new UsageError(`${a} needs a value`); return v; };
    if (a === '--build') out.build = true;
    else if (a === '-f' || a === '--follow') out.follow = true;
    else if (a === '--env' || a === '-e') out.env = value();
    else if (a === '--tail') {
      const v = value();
      if (!/^\d+$/.test(v)) throw new UsageError(`--tail needs a number of lines, not "${v}"`);
      out.tail = Number(v);
    } else if (a === '-n' || a === '--namespace') out.namespace = value();
    else if (a === '--kubeconfig') out.kubeconfig = value();
    else if (a.startsWith('-')) throw new UsageError(`unknown option "${a}"`);
    else positional.push(a);
  }
  const [app, ...rest] = positional;
  if (!app) throw new UsageError('name the app, e.g. ria logs hello');
  if (rest.length) throw new UsageError(`unexpected "${rest.join(' ')}"`);
  return { app, ...out };
}

/** Pure: the environment `ria logs` reads, or an error that says what there is. */
export function pickEnvironment(envs: readonly Environment[], app: string, wanted?: string): Environment {
  const mine = envs.filter((e) => e.spec?.app === app);
  if (!mine.length) {
    const apps = [...new Set(envs.map((e) => e.spec?.app).filter(Boolean))].sort();
    throw new RiaError('NotFound', `no environments for app ${app}${apps.length ? `; apps with environments: ${apps.join(', ')}` : ' (no Environment objects found: is Ria installed, and is this the right cluster?)'}`);
  }
  const targets = mine.map((e) => e.spec.target).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  if (wanted === undefined && mine.length === 1) return mine[0]!;
  const name = wanted ?? 'main';
  const found = mine.filter((e) => e.spec.target === name || e.metadata.name === name);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw new RiaError('Ambiguous', `several environments ${name} for app ${app} (in namespaces ${found.map((e) => e.metadata.namespace).join(', ')}); pick one with -n`);
  throw new RiaError('NotFound', `no environment ${name} for app ${app}; environments: ${targets.join(', ')}${wanted === undefined ? ' (pick one with --env)' : ''}`);
}

interface Source { namespace: string; pod: string; container: string; started: boolean; waiting?: string }

export interface LogsDeps {
  loadKubeConfig?: (file?: string) => KubeAccess | Promise<KubeAccess>;
  source?: (kc: KubeAccess) => LogsSource;
  /** Resolves when `ria logs -f` should stop (default: Ctrl-C / SIGTERM). */
  until?: () => Promise<void>;
  /** How long to wait between looks at a container that has not started yet (-f). */
  pollMs?: number;
}

export function createLogsCommand(deps: LogsDeps = {}): Command {
  const { loadKubeConfig: load = loadKubeAccess, source: makeSource = kubeLogsSource, until = untilSignal, pollMs = 1000 } = deps;
  return {
    name: 'logs',
    summary: 'print the log of an app\'s pods in an environment, or of its build (--build)',
    usage,
    async run(args: string[], io: CommandIO): Promise<number> {
      const opts = parseLogsArgs(args);
      const source = makeSource(await load(opts.kubeconfig));
      const env = pickEnvironment(await source.environments(opts.namespace), opts.app, opts.env);
      const stop = new AbortController();
      if (opts.follow) void until().then(() => stop.abort());
      const read = { ...(opts.tail !== undefined ? { tailLines: opts.tail } : {}) };
      if (opts.build) {
        await printBuild(source, env, io, opts.follow, read, stop.signal, pollMs);
        return 0;
      }
      const pods = await source.pods(env.spec.namespace);
      if (!pods.length) {
        io.stderr.write(`ria logs: no pods in namespace ${env.spec.namespace} (environment ${env.spec.target} of ${opts.app}, phase ${env.status?.phase ?? 'Pending'})\n`);
        return 1;
      }
      const sources = pods.flatMap((p) => p.containers.map((c) => ({ namespace: env.spec.namespace, pod: p.name, container: c.name, started: c.started, ...(c.waiting ? { waiting: c.waiting } : {}) })));
      if (!opts.follow) {
        for (const s of sources) await printOne(source, s, io, read);
        return 0;
      }
      // Following many containers at once: each line says where it comes from (kubectl logs --prefix).
      await Promise.all(sources.map((s) => followOne(source, s, io, read, stop.signal, pollMs, `[pod/${s.pod}/${s.container}] `)));
      return 0;
    },
  };
}

export const logsCommand = createLogsCommand();

const header = (s: Source, note = '') => `==> pod/${s.pod} ${s.container}${note} <==\n`;

async function printOne(source: LogsSource, s: Source, io: CommandIO, read: { tailLines?: number }): Promise<void> {
  if (!s.started) { io.stdout.write(header(s, ` (not started: ${s.waiting ?? 'waiting'})`)); return; }
  io.stdout.write(header(s));
  const text = await source.read(s.namespace, s.pod, s.container, read);
  io.stdout.write(text.endsWith('\n') || !text ? text : `${text}\n`);
}

/** Waits for the container to start (its log exists only then), then streams it. */
async function followOne(source: LogsSource, s: Source, io: CommandIO, read: { tailLines?: number }, signal: AbortSignal, pollMs: number, prefix = ''): Promise<void> {
  let started = s.started;
  while (!started && !signal.aborted) {
    await sleepFor(pollMs, undefined, { signal }).catch(() => undefined);
    const pod = (await source.pods(s.namespace).catch(() => [] as PodContainers[])).find((p) => p.name === s.pod);
    if (!pod) return;
    const c = pod.containers.find((x) => x.name === s.container);
    started = Boolean(c?.started);
    // A pod that ended without this container starting (an init container failed): nothing to follow.
    if (!started && pod.done) return;
  }
  if (signal.aborted) return;
  if (!prefix) io.stdout.write(header(s));
  let partial = '';
  await source.follow(s.namespace, s.pod, s.container, {
    write(chunk: Buffer | string) {
      if (!prefix) { io.stdout.write(chunk); return; }
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) io.stdout.write(`${prefix}${line}\n`);
    },
  }, read, signal);
  if (partial) io.stdout.write(`${prefix}${partial}\n`);
}

async function printBuild(source: LogsSource, env: Environment, io: CommandIO, follow: boolean, read: { tailLines?: number }, signal: AbortSignal, pollMs: number): Promise<void> {
  const recorded = env.status?.builds ?? [];
  const current = recorded.filter((b) => b.commit === env.spec.commit);
  const builds = current.length ? current : recorded;
  if (!builds.length) {
    throw new RiaError('NotFound', `environment ${env.spec.target} of ${env.spec.app} has no build at ${env.spec.commit.slice(0, 7)} (its services run images named in the Riofile, or it has not been rendered yet: phase ${env.status?.phase ?? 'Pending'})`);
  }
  const namespace = builderNamespace(env.metadata.namespace ?? 'ria-system');
  for (const b of builds) {
    if (b.reused) {
      io.stdout.write(`==> build of ${b.service} at ${b.commit.slice(0, 7)}: none ran, the registry had ${b.image} already <==\n`);
      continue;
    }
    const pods = await source.pods(namespace, `job-name=${b.job}`);
    if (!pods.length) {
      io.stderr.write(`ria logs: the build of ${b.service} at ${b.commit.slice(0, 7)} (Job ${namespace}/${b.job}, ${b.phase}) has no pod any more: build Jobs are deleted an hour after they finish, or when a newer commit supersedes them${b.logTail ? `; its last lines, as recorded on the Environment:\n${b.logTail}` : ''}\n`);
      continue;
    }
    const pod = pods.at(-1)!;
    for (const c of pod.containers) {
      const s = { namespace, pod: pod.name, container: c.name, started: c.started, ...(c.waiting ? { waiting: c.waiting } : {}) };
      if (follow) await followOne(source, s, io, read, signal, pollMs);
      else await printOne(source, s, io, read);
    }
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
