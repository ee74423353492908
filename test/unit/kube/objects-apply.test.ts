import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeObjects } from '../../../engine/kube/objects.js';
import type { KubeRest, KubeRequest } from '../../../engine/kube/rest.js';
import type { ResourcePaths } from '../../../engine/kube/resources.js';

/** KubeObjects over a recording fake of KubeRest: the requests it would send. */
function recording() {
  const sent: KubeRequest[] = [];
  const rest = { call: async (req: KubeRequest) => { sent.push(req); return {}; } } as unknown as KubeRest;
  const paths = { path: async () => '/api/v1/namespaces/a/configmaps/c' } as unknown as ResourcePaths;
  return { sent, objects: new KubeObjects(rest, { paths }) };
}
const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a' }, data: { k: 'v' } };

test('server-side applies ask for fieldValidation=Ignore (no second, strict parse of the body), as the object, its status and a dry run, as itself or impersonating', async () => {
  // Setup
  const { sent, objects } = recording();
  // Test
  await objects.apply(cm);
  await objects.apply(cm, { force: true, dryRun: true });
  await objects.as('system:serviceaccount:a:ria-environment').apply(cm);
  await objects.applyStatus(cm);
  assert.equal(sent.length, 4);
  for (const req of sent) {
    assert.equal(req.contentType, 'application/apply-patch+yaml');
    assert.equal(req.query?.fieldValidation, 'Ignore', `${req.path} ${JSON.stringify(req.query)}`);
    assert.equal(req.query?.fieldManager, 'ria');
  }
  assert.equal(sent[1]!.query?.dryRun, 'All');
  assert.equal(sent[2]!.impersonate, 'system:serviceaccount:a:ria-environment');
  assert.equal(sent[3]!.path, '/api/v1/namespaces/a/configmaps/c/status');
});
