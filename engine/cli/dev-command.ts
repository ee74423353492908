import { join } from 'node:path';
import type { Command, CommandIO } from './command.js';
import { UsageError } from '../errors.js';
import { startLocalCluster, type ClusterMode } from '../dev/cluster/local-cluster.js';

const usage = `Usage: ria dev [--mode full|apiserver] [--nodes N]

Starts a local Kubernetes control plane on this machine (etcd, kube-apiserver and, in full mode,
kube-controller-manager, kube-scheduler and kwok fake nodes), prints how to reach it, and keeps
it running until Ctrl-C, which stops every process it started.

The first run builds the control-plane binaries from the Go module proxy (needs Go 1.26; takes
a while, see README); later runs reuse them from ~/.cache/ria and start in seconds.
Pods are simulated by kwok: they reach Running without running any container.`;

function parse(args: string[]): { mode: ClusterMode; nodes: number } {
  let mode: ClusterMode = 'full';
  let nodes = 3;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => { const v = args[++i]; if (v === undefined) throw new UsageError(`${a} needs a value`); return v; };
    if (a === '--mode') {
      const m = value();
      if (m !== 'full' && m !== 'apiserver') throw new UsageError(`--mode must be full or apiserver, not "${m}"`);
      mode = m;
    } else if (a === '--nodes') {
      nodes = Number(value());
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > 1000) throw new UsageError('--nodes must be a whole number from 1 to 1000');
    } else throw new UsageError(`unknown option "${a}"`);
  }
  return { mode, nodes };
}

export const devCommand: Command = {
  name: 'dev',
  summary: 'start a local control plane (and, later, Ria with the examples) on this machine',
  usage,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { mode, nodes } = parse(args);
    const cluster = await startLocalCluster({ mode, nodes, onProgress: (l) => io.stderr.write(`${l}\n`) });
    io.stdout.write([
      '',
      `Local control plane (${mode} mode) is up: ${cluster.server}`,
      `  export KUBECONFIG=${cluster.kubeconfigPath}`,
      `  ${join(cluster.binaries.k8sDir, 'kubectl')} get nodes`,
      `Logs: ${cluster.logDir}`,
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'));
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    io.stderr.write('stopping the local control plane...\n');
    await cluster.stop();
    return 0;
  },
};
