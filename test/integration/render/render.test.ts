/**
 * The rendered objects of every valid fixture Riofile are accepted by the real kube-apiserver
 * (server-side apply, dryRun=All) with the Gateway API standard CRDs installed. A rejection of an
 * object render generated is a render bug. Objects the user wrote in `kubernetes.manifest` are
 * applied as-is; the server may refuse those only for reasons render already warned about
 * (removed API versions, no name) or because their kind is a custom resource the cluster does not
 * serve (dry-run cannot establish the CRDs of the same manifest).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { testClients, uniqueName } from '../../support/kube.js';
import { applyObject } from '../../support/apply.js';
import { render } from '../../../engine/render/index.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import type { KubeObject, RenderInput, RenderResult } from '../../../engine/render/types.js';
import type { Riofile } from '../../../engine/riofile/model.js';
import { fixtureCluster, fixtureInput, kitchenSink, rioFixtures } from '../../unit/render/fixtures.js';
import { installGatewayApiCrds } from '../../support/gateway-api.js';

const { ria } = testClients();

before(async () => {
  await installGatewayApiCrds(ria);
});

interface Outcome { accepted: number; refusedManifest: string[] }

/** Applies the Namespace(s) for real, then dry-runs everything else; generated objects must all be accepted. */
async function dryRun(result: RenderResult, riofile: Riofile): Promise<Outcome> {
  const manifestIds = new Set(riofile.kubernetesManifests.map((m) => `${m.kind}/${m.metadata?.name ?? ''}`));
  const isManifest = (o: KubeObject) => manifestIds.has(`${o.kind}/${o.metadata.name ?? ''}`);
  const warned = result.warnings.map((w) => w.message).join('\n');
  const outcome: Outcome = { accepted: 0, refusedManifest: [] };

  const namespaces = new Set<string>();
  for (const o of result.objects) if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
  for (const o of result.buildJobs) namespaces.add(o.metadata.namespace!);
  for (const ns of namespaces) await applyObject(ria, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });

  for (const o of [...result.buildJobs, ...result.objects]) {
    const id = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
    try {
      await applyObject(ria, o, { dryRun: o.kind !== 'Namespace' });
      outcome.accepted++;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!isManifest(o)) assert.fail(`the API server refused the rendered ${id}: ${message}`);
      const unknownKind = /Unrecognized API version and kind|no matches for kind|could not find the requested resource|the server could not find|404 page not found|the API server has no \w+ in /i.test(message);
      const explained = unknownKind || warned.includes(`${o.kind} ${o.metadata.name ?? ''}`);
      assert.ok(explained, `the API server refused manifest object ${id} and render gave no warning about it: ${message}`);
      outcome.refusedManifest.push(id);
    }
  }
  return outcome;
}

function uniqueEnv(): RenderInput['environment'] {
  return { app: uniqueName('ria'), kind: 'branch', branch: 'main', commit: '3f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39' };
}

const fixtures = rioFixtures();
test('the valid Rio fixtures are all here', () => {
  assert.ok(fixtures.length >= 15, `only ${fixtures.length} fixtures parsed`);
});

for (const { name } of fixtures) {
  test(`the API server accepts the rendered ${name}`, async (t) => {
    // Setup: parse again with this test's own namespace, so template NAMESPACE matches.
    const environment = uniqueEnv();
    const namespace = environmentNamespace(environment);
    const fixture = rioFixtures(namespace).find((f) => f.name === name)!;
    const result = render(fixtureInput(fixture.riofile, { environment }));
    assert.equal(result.objects[0]!.metadata.name, namespace);

    // Test
    const outcome = await dryRun(result, fixture.riofile);
    if (outcome.refusedManifest.length > 0) t.diagnostic(`manifest objects refused as render warned or of kinds not served: ${outcome.refusedManifest.join(', ')}`);
    assert.ok(outcome.accepted > 0);
    const generated = result.objects.length + result.buildJobs.length - fixture.riofile.kubernetesManifests.length;
    assert.ok(outcome.accepted >= generated, `${outcome.accepted} accepted of ${generated} generated`);
  });
}

test('the API server accepts the kitchen sink: every router feature, volumes, RBAC, HPA, EndpointSlices, build Job', async () => {
  const rf = kitchenSink();
  const result = render(fixtureInput(rf, { environment: uniqueEnv() }));
  const outcome = await dryRun(result, rf);
  assert.deepEqual(outcome.refusedManifest, []);
  assert.equal(outcome.accepted, result.objects.length + result.buildJobs.length);
});

test('the API server accepts the kitchen sink as a pull request with the custom-metrics HPA', async () => {
  const rf = kitchenSink();
  const environment = { app: uniqueName('ria'), kind: 'pr' as const, pr: 4711, commit: 'b'.repeat(40) };
  const result = render(fixtureInput(rf, { environment, cluster: { ...fixtureCluster, customMetrics: true } }));
  const outcome = await dryRun(result, rf);
  assert.equal(outcome.accepted, result.objects.length + result.buildJobs.length);
});

test('the API server accepts the Ingress fallback', async () => {
  const rf = kitchenSink();
  const { gateway: _gateway, ...noGateway } = fixtureCluster;
  const result = render(fixtureInput(rf, { environment: uniqueEnv(), cluster: { ...noGateway, ingressClass: 'nginx' } }));
  assert.ok(result.objects.some((o) => o.kind === 'Ingress'));
  const outcome = await dryRun(result, rf);
  assert.equal(outcome.accepted, result.objects.length + result.buildJobs.length);
});

test('odd branch names render to objects the API server accepts', async () => {
  const rf = kitchenSink();
  for (const branch of ['feature/ÜNÏCODE_naïve.branch', `release/${'x'.repeat(200)}`]) {
    const environment = { app: uniqueName('ria'), kind: 'branch' as const, branch, commit: 'c'.repeat(40) };
    const result = render(fixtureInput(rf, { environment }));
    const outcome = await dryRun(result, rf);
    assert.equal(outcome.accepted, result.objects.length + result.buildJobs.length, branch);
  }
});
