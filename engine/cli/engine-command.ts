import type { Command, CommandIO } from './command.js';
import { UsageError } from '../errors.js';
import { engineLogger, readEngineSettings, runEngine, type EngineSettings } from '../main.js';

const usage = `Usage: ria engine [--config-repo URL] [--config-branch B] [--config-path P] [--config-secret NAME]
                  [--namespace NS] [--kubeconfig FILE] [--http-host H] [--http-port N] [--ops-port N] [--log-level L]
                  [--drift-interval 5m]

Runs Ria's engine: watches the config repository and every app repository, and reconciles
one environment per tracked branch and open pull request. Flags override the environment
variables set by \`ria install\` (RIA_CONFIG_REPO, RIA_NAMESPACE, ...).
Two ports: --http-port (8080, RIA_HTTP_PORT) serves only the GitHub webhook, POST /hooks/github,
and is the one to expose; --ops-port (9090, RIA_OPS_PORT) serves /healthz, /readyz and /metrics
for the kubelet and Prometheus, and should stay inside the cluster. Both bind --http-host
(all interfaces by default).
--drift-interval (5m) is how often every environment's objects are compared with the
cluster; only those someone changed or deleted are applied again.
SIGTERM stops gracefully (finishes in-flight work, releases the Lease).`;

const flagNames: Record<string, keyof EngineSettings> = {
  '--config-repo': 'configRepo', '--config-branch': 'configBranch', '--config-path': 'configPath', '--config-secret': 'configSecret',
  '--namespace': 'namespace', '-n': 'namespace', '--kubeconfig': 'kubeconfig', '--http-host': 'httpHost', '--http-port': 'httpPort', '--ops-port': 'opsPort', '--log-level': 'logLevel',
  '--git-cache-dir': 'gitCacheDir', '--drift-interval': 'driftIntervalMs',
};

export function parseEngineFlags(args: string[]): Partial<Record<keyof EngineSettings, string>> {
  const flags: Partial<Record<keyof EngineSettings, string>> = {};
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const key = flagNames[name];
    if (!key) throw new UsageError(`unknown option "${name}"`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    flags[key] = value;
  }
  return flags;
}

export const engineCommand: Command = {
  name: 'engine',
  summary: 'run the engine (in a cluster: what the Deployment runs)',
  usage,
  async run(args: string[], io: CommandIO): Promise<number> {
    const settings = readEngineSettings(parseEngineFlags(args));
    const log = engineLogger(settings.logLevel, io.stdout);
    const running = await runEngine(settings, log);
    await new Promise<void>((resolve) => { process.once('SIGTERM', resolve); process.once('SIGINT', resolve); });
    log.info('shutting down');
    await running.stop();
    return 0;
  },
};
