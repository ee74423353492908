import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescingQueue } from '../../../engine/github/serial.js';
import { createReporter } from '../../../engine/github/reporter.js';
import { githubSettings } from '../../../engine/github/settings.js';
import { silentLog } from '../../../engine/controller/context.js';
import type { App, Environment } from '../../../engine/crds/types.js';
import type { GitHubApi } from '../../../engine/github/api.js';

/** A task that runs until `release()` is called, so the test decides what is queued meanwhile. */
function gate(): { wait: Promise<void>; release: () => void } {
  let release!: () => void;
  return { wait: new Promise<void>((r) => { release = r; }), release };
}

test('coalescing queue: the latest of several waiting tasks runs; a final task is never replaced', async () => {
  const ran: string[] = [];
  const queue = new CoalescingQueue(() => {});
  const g = gate();
  queue.push('k', async () => { await g.wait; ran.push('first'); });
  queue.push('k', async () => { ran.push('stale'); });
  queue.push('k', async () => { ran.push('removed'); }, { final: true });
  queue.push('k', async () => { ran.push('after-1'); });
  queue.push('k', async () => { ran.push('after-2'); });
  queue.push('other', async () => { ran.push('other'); });
  g.release();
  await queue.idle();
  assert.deepEqual(ran, ['other', 'first', 'removed', 'after-2']);
});

test('reporter: a removal is the last word: no report of the deleting or stale environment follows "inactive"', async () => {
  const A = 'a'.repeat(40);
  const posted: string[] = [];
  const g = gate();
  const api = {
    async createStatus(_r: unknown, _sha: string, body: { state: string }) { await g.wait; posted.push(`status:${body.state}`); },
    async findDeployment() { return 7; },
    async createDeployment() { return 7; },
    async createDeploymentStatus(_r: unknown, _id: number, body: { state: string }) { posted.push(`deployment:${body.state}`); },
  } as unknown as GitHubApi;
  const app: App = { apiVersion: 'ria.dev/v1alpha1', kind: 'App', metadata: { name: 'shop' }, spec: { repo: 'https://github.com/acme/shop.git', branches: ['main'], riofile: 'Riofile' } };
  const reporter = createReporter({
    clients: { settings: () => githubSettings({ github: { tokenSecret: 't' } }), api: async () => api },
    objects: { get: async () => app as never }, namespace: 'ria-system', log: silentLog,
  });
  const ready: Environment = {
    apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop--pr-1', uid: 'u1' },
    spec: { app: 'shop', kind: 'pr', target: 'pr-1', pullRequest: 1, commit: A, namespace: 'shop--pr-1' },
    status: { phase: 'Ready', observedCommit: A, appliedCommit: A, url: 'https://web--shop--pr-1.apps.test' },
  };
  reporter.hooks.environmentChanged(ready, app); // runs, held at the gate
  reporter.hooks.environmentChanged({ ...ready, metadata: { ...ready.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, app);
  reporter.hooks.environmentRemoved(ready, app);
  reporter.hooks.environmentChanged(ready, app); // read before the delete, reported after it
  g.release();
  await reporter.idle();
  assert.deepEqual(posted, ['status:success', 'deployment:success', 'deployment:inactive']);
});

test('reporter: an Environment removed because its name changed (upgrade to <app>--<env>) does not grey out its successor\'s deployment', async () => {
  const A = 'a'.repeat(40);
  const posted: string[] = [];
  const api = {
    async createStatus() {},
    async findDeployment() { return 7; },
    async createDeployment() { return 7; },
    async createDeploymentStatus(_r: unknown, _id: number, body: { state: string }) { posted.push(`deployment:${body.state}`); },
  } as unknown as GitHubApi;
  const app: App = { apiVersion: 'ria.dev/v1alpha1', kind: 'App', metadata: { name: 'shop' }, spec: { repo: 'https://github.com/acme/shop.git', branches: ['main'], riofile: 'Riofile' } };
  const spec = { app: 'shop', kind: 'branch' as const, target: 'main', branch: 'main', commit: A };
  const old: Environment = { apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop-main', uid: 'old' }, spec: { ...spec, namespace: 'shop-main' }, status: { phase: 'Ready', appliedCommit: A } };
  const successor: Environment = { apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop--main', uid: 'new' }, spec: { ...spec, namespace: 'shop--main' } };
  const objects = new Map<string, unknown>([['App/shop', app]]);
  const reporter = createReporter({
    clients: { settings: () => githubSettings({ github: { tokenSecret: 't' } }), api: async () => api },
    objects: { get: async (ref: { kind: string; name: string }) => objects.get(`${ref.kind}/${ref.name}`) as never }, namespace: 'ria-system', log: silentLog,
  });
  objects.set('Environment/shop--main', successor);
  reporter.hooks.environmentRemoved(old, app);
  await reporter.idle();
  assert.deepEqual(posted, [], 'shop--main reports shop/main now');
  objects.delete('Environment/shop--main');
  reporter.hooks.environmentRemoved({ ...old, metadata: { name: 'shop-main', uid: 'old-2' } }, app);
  await reporter.idle();
  assert.deepEqual(posted, ['deployment:inactive'], 'with no successor the removal is reported as before');
});
