/**
 * The test runner behind `npm test`. Runs the unit tests (no cluster), then starts ONE local
 * control plane in full mode for the whole run, hands its kubeconfig to the integration tests
 * through RIA_TEST_KUBECONFIG, runs them with node:test, and stops every process it started,
 * also when a test fails or the run is interrupted.
 *
 *   node dist/test/run.js            unit + integration
 *   node dist/test/run.js --unit     unit only
 *   node dist/test/run.js --integration [FILTER...]   integration only (FILTER: path substring; any of several)
 *
 * Tests under integration/real/ need real pods (Kaniko builds, HTTP to Services): they run after
 * the others, on a second cluster in `real` mode, when this machine can run one (capability.ts:
 * Linux, root, the host tools). Otherwise they are skipped with the reason, unless
 * RIA_REQUIRE_REAL_NODE=1 (CI), which makes that a failure. They get the node through
 * RIA_TEST_REAL_NODE (JSON RealNodeInfo; nodeClient() in real-node.ts), and, when Traefik is built
 * (build.sh --gateway), the node's gateway through RIA_TEST_GATEWAY (JSON RunningGateway).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster, type LocalCluster } from '../engine/dev/cluster/local-cluster.js';
import { realNodeCapability } from '../engine/dev/cluster/capability.js';
import { builtTraefik } from '../engine/dev/cluster/binaries.js';

const distTest = fileURLToPath(new URL('.', import.meta.url));

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

/**
 * `oneAtATime`: integration files share one cluster and install cluster-wide objects (CRDs, each
 * install's admission policies naming its own engine), so two at once refuse each other's writes.
 * node --test runs (cores - 1) files at once by default: one on a 2-core machine, several on more.
 */
function runNodeTest(files: string[], env: NodeJS.ProcessEnv, oneAtATime = false): Promise<number> {
  if (files.length === 0) return Promise.resolve(0);
  return new Promise((resolve) => {
    const args = ['--test', '--test-reporter=spec', ...(oneAtATime ? ['--test-concurrency=1'] : []), ...files];
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const known = new Set(['--unit', '--integration']);
  const unknown = args.filter((a) => a.startsWith('-') && !known.has(a));
  if (args.includes('--help') || args.includes('-h') || unknown.length) {
    if (unknown.length && !args.includes('--help') && !args.includes('-h')) process.stderr.write(`unknown option ${unknown.join(', ')}\n`);
    process.stdout.write('usage: node dist/test/run.js [--unit | --integration] [FILTER...]   (FILTER: path substring; any of several)\n');
    return unknown.length && !args.includes('--help') && !args.includes('-h') ? 2 : 0;
  }
  const unitOnly = args.includes('--unit');
  const integrationOnly = args.includes('--integration');
  // Several filters pick the files matching any of them (one cluster for all).
  const filters = args.filter((a) => !a.startsWith('--'));
  const pick = (files: string[]) => (filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files);
  const unit = pick(findTests(join(distTest, 'unit')));
  const allIntegration = pick(findTests(join(distTest, 'integration')));
  const isReal = (f: string) => f.includes(`${join('integration', 'real')}/`);
  const integration = allIntegration.filter((f) => !isReal(f));
  const real = allIntegration.filter(isReal);

  let failed = false;
  if (!integrationOnly) {
    process.stdout.write(`\n== unit tests (${unit.length} files) ==\n`);
    failed = (await runNodeTest(unit, process.env)) !== 0;
  }
  if (unitOnly || allIntegration.length === 0) return failed ? 1 : 0;
  if (integration.length > 0) failed = (await runIntegration(integration, 'full')) || failed;
  if (real.length > 0) {
    const can = await realNodeCapability();
    if (can.ok) {
      failed = (await runIntegration(real, 'real')) || failed;
    } else if (process.env.RIA_REQUIRE_REAL_NODE === '1') {
      process.stderr.write(`\nreal-node tests (${real.length} files) cannot run here and RIA_REQUIRE_REAL_NODE=1: ${can.reasons.join('; ')}\n`);
      failed = true;
    } else {
      process.stdout.write(`\n== real-node tests (${real.length} files) SKIPPED: this machine cannot run a real node: ${can.reasons.join('; ')} ==\n`);
    }
  }
  return failed ? 1 : 0;
}

/** One cluster for a set of integration files; true when a test failed. */
async function runIntegration(files: string[], mode: 'full' | 'real'): Promise<boolean> {
  const integration = files;
  let failed = false;

  process.stdout.write(`\n== integration tests (${integration.length} files) on a local cluster (${mode === 'real' ? 'real node' : 'control plane + kwok'}) ==\n`);
  let cluster: LocalCluster | undefined;
  const stop = async () => { await cluster?.stop(); };
  const onSignal = () => { void stop().then(() => process.exit(130)); };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onSignal);
  try {
    // The real node gets its gateway (Traefik) when it is built: the gateway tests under
    // integration/real/ use it, and skip, saying why, without it.
    const builtGateway = builtTraefik();
    cluster = await startLocalCluster({ mode, nodes: 3, gateway: mode === 'real' && !!builtGateway, onProgress: (l) => process.stdout.write(`[cluster] ${l}\n`) });
    const traefik = cluster.binaries.node?.traefikDir ? join(cluster.binaries.node.traefikDir, 'traefik') : builtGateway;
    const env = {
      ...process.env,
      RIA_TEST_KUBECONFIG: cluster.kubeconfigPath,
      RIA_TEST_CLUSTER_MODE: cluster.mode,
      RIA_TEST_GATEWAY_API_CRDS: join(cluster.binaries.gatewayApiDir, 'standard-install.yaml'),
      ...(cluster.binaries.certManagerDir ? { RIA_TEST_CERT_MANAGER_CRDS: join(cluster.binaries.certManagerDir, 'crds.yaml') } : {}),
      RIA_TEST_KUBECTL: join(cluster.binaries.k8sDir, 'kubectl'),
      // The gateway's tests need Traefik (build.sh --gateway).
      ...(traefik ? { RIA_TEST_TRAEFIK: traefik } : {}),
      RIA_TEST_CLUSTER_STARTUP_MS: String(cluster.startupMs),
      ...(cluster.node ? { RIA_TEST_REAL_NODE: JSON.stringify(cluster.node.info) } : {}),
      ...(cluster.gateway ? { RIA_TEST_GATEWAY: JSON.stringify(cluster.gateway) } : {}),
    };
    process.stdout.write(`[cluster] logs: ${relative(process.cwd(), cluster.logDir) || cluster.logDir}\n`);
    failed = (await runNodeTest(integration, env, true)) !== 0 || failed;
  } finally {
    await stop();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
  }
  return failed;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`test run failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
