import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Command, CommandIO } from './command.js';
import { UsageError, errorMessage } from '../errors.js';
import { loadKubeAccess, type KubeAccess } from '../kube/kube-access.js';
import { KubeRest } from '../kube/rest.js';
import { GROUP, VERSION, type Environment } from '../crds/types.js';
import { environmentRows, formatEnvironmentTable } from '../observe/environment-table.js';

const PLURAL = 'environments';
/** How long the server keeps one watch open (the informers' figure). */
const WATCH_TIMEOUT_SECONDS = 300;

const usage = `Usage: ria ps [--app APP] [-n NAMESPACE] [-w] [--json] [--kubeconfig FILE]

Lists the environments Ria deploys (every tracked branch and open pull request of every app):
app, branch or PR, commit, phase, URL and age, plus why an environment is not Ready.
Reads Environment objects from the cluster, across all namespaces unless -n is given.

Options:
  --app APP             only this app's environments
  -n, --namespace NS    only Environment objects in this namespace
  -A, --all-namespaces  every namespace (the default)
  -w, --watch           keep watching and reprint the table on every change (Ctrl-C to stop)
  --json                print rows as JSON (one JSON array per line with --watch)
  --kubeconfig FILE     kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)`;

interface PsArgs { app?: string; namespace?: string; watch: boolean; json: boolean; kubeconfig?: string }

export function parsePsArgs(args: string[]): PsArgs {
  const out: PsArgs = { watch: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => { const v = args[++i]; if (!v) throw new UsageError(`${a} needs a value`); return v; };
    if (a === '-w' || a === '--watch') out.watch = true;
    else if (a === '--json') out.json = true;
    else if (a === '--app') out.app = value();
    else if (a === '-n' || a === '--namespace') out.namespace = value();
    else if (a === '-A' || a === '--all-namespaces') delete out.namespace;
    else if (a === '--kubeconfig') out.kubeconfig = value();
    else throw new UsageError(`unknown option "${a}"`);
  }
  return out;
}

interface EnvironmentList { items: Environment[]; metadata?: { resourceVersion?: string } }

/** Where the Environments are: one namespace's, or every namespace's. */
const collection = (namespace?: string) =>
  `/apis/${GROUP}/${VERSION}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${PLURAL}`;

/**
 * The Environments, through the engine's own client (KubeRest: one client stack, and its retry
 * of a 429 such as "storage is (re)initializing" just after the CRD is installed).
 */
export async function listEnvironments(rest: KubeRest, namespace?: string): Promise<EnvironmentList> {
  const list = await rest.call<EnvironmentList>({
    verb: 'list', method: 'GET', path: collection(namespace),
    ref: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Environment', name: '', ...(namespace ? { namespace } : {}) },
  });
  return { items: list.items ?? [], ...(list.metadata ? { metadata: list.metadata } : {}) };
}

export interface PsDeps {
  /** The kubeconfig (default: the engine's own loader, kube-access.ts; client-node's KubeConfig has the same two methods). */
  loadKubeConfig?: (file?: string) => KubeAccess | Promise<KubeAccess>;
  /** Resolves when `ria ps -w` should stop (default: Ctrl-C / SIGTERM). */
  until?: () => Promise<void>;
  now?: () => number;
}

export function createPsCommand(deps: PsDeps = {}): Command {
  const { loadKubeConfig: load = loadKubeAccess, until = untilSignal, now = Date.now } = deps;
  return {
    name: 'ps',
    summary: 'list environments: app, branch/PR, commit, phase, URL, age',
    usage,
    async run(args: string[], io: CommandIO): Promise<number> {
      const opts = parsePsArgs(args);
      const rest = new KubeRest(await load(opts.kubeconfig));
      const select = (envs: Iterable<Environment>) => [...envs].filter((e) => !opts.app || e.spec?.app === opts.app);
      const empty = `No environments found${opts.app ? ` for app "${opts.app}"` : ''}${opts.namespace ? ` in namespace ${opts.namespace}` : ''}.`;
      const print = (envs: Environment[]) => {
        io.stdout.write(opts.json ? `${JSON.stringify(environmentRows(envs, now()), null, opts.watch ? 0 : 2)}\n` : formatEnvironmentTable(envs, now(), empty));
      };
      try {
        const list = await listEnvironments(rest, opts.namespace);
        print(select(list.items));
        if (!opts.watch) return 0;

        const stop = new AbortController();
        const watching = watchEnvironments(rest, opts.namespace, list, (envs) => {
          if (!opts.json) io.stdout.write('\n');
          print(select(envs));
        }, (err) => io.stderr.write(`ria ps: watch interrupted (${errorMessage(err)}); resuming\n`), stop.signal);
        await until();
        stop.abort();
        await watching;
        return 0;
      } finally {
        rest.close();
      }
    },
  };
}

export const psCommand = createPsCommand();

/**
 * Keeps a local copy of the Environments up to date from a watch and calls `onChange` with it,
 * batching bursts (a reconcile writes status several times in a row) into one reprint. A watch
 * the server ends (timeouts, 410 Gone after compaction) is resumed from a fresh list.
 */
export async function watchEnvironments(
  rest: KubeRest, namespace: string | undefined, initial: EnvironmentList,
  onChange: (envs: Environment[]) => void, onInterrupted: (err: unknown) => void, signal: AbortSignal,
): Promise<void> {
  const key = (e: Environment) => `${e.metadata.namespace ?? ''}/${e.metadata.name}`;
  const current = new Map(initial.items.map((e) => [key(e), e]));
  let resourceVersion = initial.metadata?.resourceVersion;
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange([...current.values()]), 150);
  };

  while (!signal.aborted) {
    const ended = await rest.watch({
      path: collection(namespace), signal,
      // The server ends the watch after timeoutSeconds; a connection silent a minute past that is dead.
      idleMs: (WATCH_TIMEOUT_SECONDS + 60) * 1000,
      query: { watch: 1, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS, ...(resourceVersion ? { resourceVersion } : {}) },
    }, (line) => {
      const { type, object: obj } = JSON.parse(line) as { type: string; object: Environment };
      if (type === 'ERROR') { resourceVersion = undefined; return; }
      if (obj?.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
      if (type === 'ADDED' || type === 'MODIFIED') current.set(key(obj), obj);
      else if (type === 'DELETED') current.delete(key(obj));
      else return;
      changed();
    }).then(() => undefined, (err: unknown) => err ?? new Error('the watch failed'));
    if (signal.aborted) break;
    if (ended) {
      onInterrupted(ended);
      // Back off so an unreachable API server is not hammered in a tight loop.
      await sleep(1000, signal);
    }
    // Resume: without a resourceVersion (410 Gone, ERROR), relist so nothing is missed.
    if (!resourceVersion && !signal.aborted) {
      try {
        const list = await listEnvironments(rest, namespace);
        current.clear();
        for (const e of list.items) current.set(key(e), e);
        resourceVersion = list.metadata?.resourceVersion;
        changed();
      } catch (err) {
        onInterrupted(err);
      }
    }
  }
  clearTimeout(timer);
}

const sleep = (ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal }).catch(() => undefined);

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
