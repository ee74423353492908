import { stringify } from 'yaml';
import type { Command, CommandIO } from './command.js';
import { riaVersion } from './version.js';
import { UsageError } from '../errors.js';
import { loadKubeAccess } from '../kube/kube-access.js';
import { KubeRest } from '../kube/rest.js';
import { KubeObjects } from '../kube/objects.js';
import { DEFAULT_NAMESPACE, installManifests, type InstallOptions } from '../install/manifests.js';
import { applyInstall, describeResult } from '../install/apply-install.js';
import { redactText } from '../observe/redact.js';

const usage = `Usage: ria install --config-repo URL [options]

Installs Ria in the cluster of the current kubeconfig context with server-side apply: its CRDs
(waiting until they are Established), a namespace, a service account with a least-privilege
ClusterRole, the ClusterRoles each environment's own service account is bound to (Ria applies an
environment's objects as that environment), an admission policy bounding what both identities
write, and the engine Deployment (2 replicas, leader election) with its Service.
Running it again updates what changed and leaves the rest untouched.

Options:
  --config-repo URL      Git URL of the config repository (required; no credentials in it)
  --config-branch B      branch of the config repository (default: main)
  --config-path P        directory of the config in that repository (default: .)
  --config-secret NAME   Secret in the namespace with the config repository credentials
  --webhook-secret NAME  Secret in the namespace whose key "secret" is the GitHub webhook secret
  --global-role NAME     a ClusterRole apps may be bound to cluster-wide (Riofile globalPermissions
                         role=NAME, for apps whose config allows globalPermissions); repeatable.
                         Without it no app can be granted cluster-wide rights
  --secrets-from NS      a namespace apps copy Secrets from (secretsFrom in apps/<app>.yaml); the
                         engine may read Secrets there (a Role) and otherwise only in its own
                         namespace; repeatable. The namespace must exist
  --cert-manager-namespace NS
                         cert-manager's namespace (default: cert-manager): its ServiceAccounts may
                         write the HTTP-01 solver's routes and CertificateRequests in environments,
                         which the route admission policy refuses anyone else
  --image IMG            engine image (default: ${defaultImage()})
  --namespace NS         namespace to install into (default: ${DEFAULT_NAMESPACE})
  --kubeconfig FILE      kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
  --yaml                 print the manifests as multi-document YAML instead of applying them
  --dry-run              validate on the server (server-side dry run) without changing anything`;

function defaultImage(): string {
  return `ghcr.io/ria-dev/ria:${riaVersion()}`;
}

interface Parsed { options: InstallOptions; yaml: boolean; dryRun: boolean; kubeconfig?: string }

export function parseInstallArgs(args: string[]): Parsed {
  const values: Record<string, string> = {};
  let yaml = false;
  let dryRun = false;
  const globalRoles: string[] = [];
  const secretsFrom: string[] = [];
  const valued = ['--namespace', '--image', '--config-repo', '--config-branch', '--config-path', '--config-secret', '--webhook-secret', '--kubeconfig', '--cert-manager-namespace'];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--yaml') yaml = true;
    else if (flag === '--dry-run') dryRun = true;
    else if (flag === '--global-role' || flag === '--secrets-from') {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      (flag === '--global-role' ? globalRoles : secretsFrom).push(v);
    } else if (valued.includes(flag)) {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      values[flag.slice(2)] = v;
    } else throw new UsageError(`unknown option "${a}"`);
  }
  if (yaml && dryRun) throw new UsageError('--yaml and --dry-run cannot be combined (--yaml does not talk to the cluster)');
  const configRepo = values['config-repo'];
  if (!configRepo) throw new UsageError('--config-repo is required');
  const options: InstallOptions = {
    image: values.image ?? defaultImage(), configRepo,
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values['config-branch'] ? { configBranch: values['config-branch'] } : {}),
    ...(values['config-path'] ? { configPath: values['config-path'] } : {}),
    ...(values['config-secret'] ? { configSecret: values['config-secret'] } : {}),
    ...(values['webhook-secret'] ? { webhookSecret: values['webhook-secret'] } : {}),
    ...(globalRoles.length ? { globalRoles } : {}),
    ...(secretsFrom.length ? { secretsFrom } : {}),
    ...(values['cert-manager-namespace'] ? { certManagerNamespace: values['cert-manager-namespace'] } : {}),
  };
  return { options, yaml, dryRun, ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}) };
}

export const installCommand: Command = {
  name: 'install',
  summary: 'install Ria (CRDs, RBAC, engine Deployment) into the current cluster, or print it as YAML',
  usage,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { options, yaml, dryRun, kubeconfig } = parseInstallArgs(args);
    const objects = installManifests(options);
    if (yaml) {
      io.stdout.write(objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
      return 0;
    }
    const kc = await loadKubeAccess(kubeconfig);
    const suffix = dryRun ? ' (server dry run)' : '';
    io.stderr.write(`installing Ria into ${redactText(kc.getCurrentCluster()?.server ?? 'the current cluster')}${suffix}\n`);
    const rest = new KubeRest(kc);
    try {
      await applyInstall({
        objects, dryRun,
        client: new KubeObjects(rest),
        onApplied: (r) => io.stdout.write(`${describeResult(r)}${suffix}\n`),
        onProgress: (line) => io.stderr.write(`${line}\n`),
      });
    } finally {
      rest.close();
    }
    return 0;
  },
};
