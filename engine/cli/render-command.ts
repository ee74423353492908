import { relative, resolve } from 'node:path';
import { isProductionBranch } from '../config/production.js';
import { UsageError } from '../errors.js';
import { parseRiofile, RiofileError } from '../riofile/index.js';
import { environmentNamespace, render, RenderError, RenderErrorCode, toJson, toYaml } from '../render/index.js';
import type { ClusterSettings, Environment } from '../render/index.js';
import type { Command, CommandIO } from './command.js';
import { addSetAnswer, readAnswers, readSource } from './read-input.js';
import { enginePolicy, readConfigApp } from './config-checkout.js';
import { appRenderSettings } from '../controller/environment/cluster-settings.js';
import type { LoadedApp, Settings } from '../config/types.js';
import type { RenderResult } from '../render/types.js';

const USAGE = `Usage: ria render [RIOFILE] --app NAME (--branch B | --pr N) --commit SHA [options]

Prints the Kubernetes objects of one environment of an app as multi-document YAML: the build
Jobs first, then the objects in apply order (Namespace first). Warnings (what the objects cannot
express) go to stderr. RIOFILE defaults to ./Riofile.
Exit status: 0 rendered, 1 invalid Riofile (located errors) or unrenderable, 2 usage error.

Options:
  --config DIR           a checkout of the config repository: settings, repository, credentials and
                         template answers come from ria.yaml and apps/<app>.yaml, and the engine's
                         policy is applied first (a refusal is printed as the engine reports it, exit 1);
                         --domain, --registry, --gateway, --ingress-class, --repo, --clone-secret and
                         --custom-metrics are then not accepted
  --ria-namespace NS     Ria's namespace, with --config (build Jobs go to NS-builds; default ria-system)
  --app NAME             the app (namespace <app>--<branch> or <app>--pr-<n>)
  --branch B | --pr N    the environment: a branch, or a pull request number
  --commit SHA           the commit rendered (tags built images, fills REVISION)
  --domain D             wildcard domain of the endpoints (default localtest.me)
  --registry R           registry built images are pushed to (default localhost:5000)
  --gateway NS/NAME      Gateway the HTTPRoutes attach to
  --ingress-class C      render Ingress objects of this class instead (the default without --gateway)
  --namespace NS         target namespace (default derived from app and environment)
  --repo URL             the app's git repository (needed to build images)
  --clone-secret NAME    Secret with username/password for a private repository
  --custom-metrics       autoscale on the http_requests_in_flight pods metric instead of CPU
  --answers FILE         template answers (a YAML or JSON map of VARIABLE: value)
  --set KEY=VALUE        a template answer (repeatable; wins over --answers)
  --json                 print one JSON array instead of YAML`;

interface Options {
  file: string;
  app?: string;
  branch?: string;
  pr?: number;
  commit?: string;
  domain: string;
  registry: string;
  gateway?: { namespace: string; name: string };
  ingressClass?: string;
  namespace?: string;
  repo?: string;
  cloneSecret?: string;
  customMetrics: boolean;
  answersFile?: string;
  set: Record<string, string>;
  json: boolean;
  config?: string;
  riaNamespace: string;
  /** Flags that set what --config sets (refused together with it). */
  clusterFlags: string[];
}

export const renderCommand: Command = {
  name: 'render',
  summary: 'print the Kubernetes objects of one environment of a Riofile',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const o = parseArgs(args);
    const environment = toEnvironment(o);
    let config: { settings: Settings; app: LoadedApp } | undefined;
    if (o.config !== undefined) {
      const loaded = await readConfigApp(resolve(io.cwd, o.config), o.app!);
      if (!loaded.ok) { io.stderr.write(`${loaded.error.format()}\n`); return 1; }
      config = loaded;
    }
    const answers = { ...(config?.app.spec.answers ?? {}), ...(o.answersFile ? await readAnswers(resolve(io.cwd, o.answersFile)) : {}), ...o.set };
    const path = resolve(io.cwd, o.file);
    const source = await readSource(path);
    const file = relative(io.cwd, path) || o.file;
    let riofile;
    try {
      riofile = parseRiofile(source, { file, answers, namespace: environmentNamespace(environment), revision: environment.commit });
      const refused = config ? enginePolicy(riofile, source, file, config, environment) : undefined;
      if (refused) throw refused;
    } catch (err) {
      if (!(err instanceof RiofileError)) throw err;
      io.stderr.write(`${err.format()}\n`);
      return 1;
    }
    if (config) {
      const result = render({ riofile, environment, ...appRenderSettings(config.settings, config.app.spec, o.riaNamespace, undefined, environment.kind === 'branch' && isProductionBranch(config.app.spec, environment.branch)) });
      return print(result, o, io);
    }
    const cluster: ClusterSettings = {
      domain: o.domain,
      registry: o.registry,
      ...(o.gateway ? { gateway: o.gateway } : {}),
      ...(o.ingressClass ? { ingressClass: o.ingressClass } : {}),
      ...(o.customMetrics ? { customMetrics: true } : {}),
    };
    let result;
    try {
      result = render({ riofile, environment, cluster, ...(o.repo ? { source: { repoUrl: o.repo, ...(o.cloneSecret ? { cloneSecretName: o.cloneSecret } : {}) } } : {}) });
    } catch (err) {
      // Input errors come from the flags (commit, domain, branch, missing --repo): a usage error.
      if (err instanceof RenderError && err.code === RenderErrorCode.Input) throw new UsageError(err.message.replace('(source.repoUrl or build.repo)', '(--repo URL)'));
      throw err;
    }
    return print(result, o, io);
  },
};

function print(result: RenderResult, o: Options, io: CommandIO): number {
  for (const w of result.warnings) io.stderr.write(`warning: ${w.path}: ${w.message} [${w.code}]\n`);
  const all = [...result.buildJobs, ...result.objects];
  io.stdout.write(o.json ? toJson(all) : toYaml(all));
  return 0;
}

function parseArgs(args: string[]): Options {
  const o: Options = { file: 'Riofile', domain: 'localtest.me', registry: 'localhost:5000', customMetrics: false, set: {}, json: false, riaNamespace: 'ria-system', clusterFlags: [] };
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (['--domain', '--registry', '--gateway', '--ingress-class', '--repo', '--clone-secret', '--custom-metrics'].includes(arg)) o.clusterFlags.push(arg);
    switch (arg) {
      case '--config': o.config = value(); break;
      case '--ria-namespace': o.riaNamespace = value(); break;
      case '--app': o.app = value(); break;
      case '--branch': o.branch = value(); break;
      case '--pr': {
        const v = value();
        if (!/^[1-9]\d{0,9}$/.test(v)) throw new UsageError(`--pr needs a pull request number, not "${v}"`);
        o.pr = Number(v);
        break;
      }
      case '--commit': o.commit = value(); break;
      case '--domain': o.domain = value(); break;
      case '--registry': o.registry = value(); break;
      case '--gateway': {
        const v = value();
        const [namespace, name, ...rest] = v.split('/');
        if (!namespace || !name || rest.length > 0) throw new UsageError(`--gateway needs NAMESPACE/NAME, not "${v}"`);
        o.gateway = { namespace, name };
        break;
      }
      case '--ingress-class': o.ingressClass = value(); break;
      case '--namespace': o.namespace = value(); break;
      case '--repo': o.repo = value(); break;
      case '--clone-secret': o.cloneSecret = value(); break;
      case '--custom-metrics': o.customMetrics = true; break;
      case '--answers': o.answersFile = value(); break;
      case '--json': o.json = true; break;
      case '--set': addSetAnswer(o.set, value()); break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        if (file !== undefined) throw new UsageError(`one Riofile at a time (got "${file}" and "${arg}")`);
        file = arg;
    }
  }
  if (file !== undefined) o.file = file;
  if (o.gateway && o.ingressClass) throw new UsageError('--gateway and --ingress-class exclude each other');
  if (o.config !== undefined && o.clusterFlags.length) throw new UsageError(`${o.clusterFlags.join(', ')}: with --config these come from the config repository`);
  return o;
}

function toEnvironment(o: Options): Environment {
  if (!o.app) throw new UsageError('--app is required');
  if (!o.commit) throw new UsageError('--commit is required');
  if ((o.branch === undefined) === (o.pr === undefined)) throw new UsageError('give exactly one of --branch and --pr');
  const ns = o.namespace !== undefined ? { namespace: o.namespace } : {};
  return o.pr !== undefined
    ? { app: o.app, kind: 'pr', pr: o.pr, commit: o.commit, ...ns }
    : { app: o.app, kind: 'branch', branch: o.branch!, commit: o.commit, ...ns };
}
