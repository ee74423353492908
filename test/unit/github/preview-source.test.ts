import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPreviewSource } from '../../../engine/github/preview-source.js';
import { PullRequestStore } from '../../../engine/github/pull-store.js';
import { StatusPoster } from '../../../engine/github/status-poster.js';
import { PreviewQuotas } from '../../../engine/github/preview-quota.js';
import { githubSettings } from '../../../engine/github/settings.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { defaultSettings } from '../../../engine/config/load.js';
import type { GitHubApi, PullsPage } from '../../../engine/github/api.js';
import type { GitHubClients } from '../../../engine/github/clients.js';
import type { PullRequest } from '../../../engine/github/pull-request.js';
import type { App, Environment } from '../../../engine/crds/types.js';

const pr = (n: number, over: Partial<PullRequest> = {}): PullRequest => ({ number: n, state: 'open', headSha: String(n).repeat(40).slice(0, 40), headRef: 'f', draft: false, labels: [], fork: false, updatedAt: '2026-01-01T00:00:00Z', ...over });
const app = (previews: Record<string, unknown> | undefined, repo = 'https://github.com/acme/shop.git'): App & { metadata: { name: string } } =>
  ({ apiVersion: 'ria.dev/v1alpha1', kind: 'App', metadata: { name: 'shop', uid: 'u' }, spec: { repo, branches: ['main'], riofile: 'Riofile', ...(previews ? { previews } : {}) } });

function setup(options: { token?: boolean; pulls?: PullRequest[]; existing?: Environment[] } = {}) {
  const calls = { lists: 0, statuses: [] as string[], applied: [] as string[] };
  const api = {
    async listOpenPulls(): Promise<PullsPage> { calls.lists++; return { notModified: false, pulls: options.pulls ?? [] }; },
    async createStatus(_r: unknown, sha: string, body: { state: string; context: string; description: string }) { calls.statuses.push(`${sha.slice(0, 1)} ${body.state} ${body.context} ${body.description}`); },
  } as unknown as GitHubApi;
  const settings = githubSettings({ github: { tokenSecret: 'gh' } });
  const clients: GitHubClients = { settings: () => settings, api: async () => (options.token === false ? undefined : api) };
  const objects = {
    async apply(obj: { kind: string; metadata: { name: string; namespace?: string } }) { calls.applied.push(`${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`); return obj; },
    async get() { return undefined; }, async delete() { return true; },
    async list() { return options.existing ?? []; },
  };
  let clock = Date.parse('2026-01-02T00:00:00Z');
  const store = new PullRequestStore(() => clock);
  const queued: string[] = [];
  const source = createPreviewSource({ clients, store, quotas: new PreviewQuotas(objects as never), statuses: new StatusPoster(silentLog), log: silentLog,
    now: () => clock, onQueued: (env) => queued.push(`${env.metadata.name}@${env.spec.commit.slice(0, 1)}`) });
  const ctx = { objects, namespace: 'ria', settings: () => defaultSettings() } as unknown as EngineContext;
  return { source, store, ctx, calls, queued, tick: (ms: number) => { clock += ms; } };
}

test('previews off → [] (old previews are removed); repo not on GitHub → []', async () => {
  const { source, ctx, calls } = setup({ pulls: [pr(1)] });
  assert.deepEqual(await source.desired(ctx, app(undefined)), []);
  assert.deepEqual(await source.desired(ctx, app({ enabled: true }, 'https://gitlab.com/acme/shop.git')), []);
  assert.equal(calls.lists, 0);
});

test('open PRs → pr environments at their heads, queued once per head, quota first, listing at most once per poll interval', async () => {
  const { source, ctx, calls, queued, tick } = setup({ pulls: [pr(1), pr(2, { fork: true })] });
  const out = await source.desired(ctx, app({ enabled: true, quota: { pods: '5' } }));
  assert.deepEqual(out, [{ name: 'shop--pr-1', spec: { app: 'shop', kind: 'pr', target: 'pr-1', pullRequest: 1, commit: '1'.repeat(40), namespace: 'shop--pr-1' } }]);
  assert.deepEqual(calls.applied, ['Namespace//shop--pr-1', 'ResourceQuota/shop--pr-1/ria-preview']);
  assert.deepEqual(queued, ['shop--pr-1@1']);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls.statuses, ['2 pending ria/shop/pr-2 preview not built: pull requests from forks are not built for this app']);
  await source.desired(ctx, app({ enabled: true, quota: { pods: '5' } }));
  assert.equal(calls.lists, 1, 'not listed again within the poll interval');
  assert.equal(calls.applied.length, 2, 'quota applied once');
  assert.deepEqual(queued, ['shop--pr-1@1'], 'same head: not queued again');
  tick(defaultSettings().pollIntervalMs);
  await source.desired(ctx, app({ enabled: true }));
  assert.equal(calls.lists, 2);
});

test('without a token and before any webhook: unknown → undefined (existing previews untouched)', async () => {
  const { source, ctx } = setup({ token: false });
  assert.equal(await source.desired(ctx, app({ enabled: true })), undefined);
});

test('webhooks only: previews of PRs the store never heard of are kept, not pruned', async () => {
  const kept: Environment = { apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop--pr-7' },
    spec: { app: 'shop', kind: 'pr', target: 'pr-7', pullRequest: 7, commit: '7'.repeat(40), namespace: 'shop--pr-7' } };
  const closed: Environment = { ...kept, metadata: { name: 'shop--pr-8' }, spec: { ...kept.spec, target: 'pr-8', pullRequest: 8, namespace: 'shop--pr-8' } };
  const { source, store, ctx } = setup({ token: false, existing: [kept, closed] });
  store.fromWebhook('acme/shop', pr(3));
  store.fromWebhook('acme/shop', pr(8, { state: 'closed' }));
  const out = await source.desired(ctx, app({ enabled: true }));
  assert.deepEqual(out?.map((d) => d.name), ['shop--pr-3', 'shop--pr-7']);
});

test('fork vouching survives a restart only for the commit the cluster recorded', async () => {
  const labelled = pr(4, { fork: true, labels: ['safe-to-preview'] });
  const recorded = (commit: string): Environment => ({ apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop--pr-4' },
    spec: { app: 'shop', kind: 'pr', target: 'pr-4', pullRequest: 4, commit, namespace: 'shop--pr-4', vouchedCommit: commit } });
  const config = { enabled: true, forkLabel: 'safe-to-preview' };

  // A fresh engine (empty store) whose cluster recorded the vouch for this very head: kept.
  const same = setup({ pulls: [labelled], existing: [recorded(labelled.headSha)] });
  const out = await same.source.desired(same.ctx, app(config));
  assert.deepEqual(out?.map((d) => [d.name, d.spec.vouchedCommit]), [['shop--pr-4', labelled.headSha]]);

  // The fork pushed while the engine was down: the record names the old head, so nothing is built.
  const moved = setup({ pulls: [{ ...labelled, headSha: 'c'.repeat(40) }], existing: [recorded(labelled.headSha)] });
  assert.deepEqual(await moved.source.desired(moved.ctx, app(config)), []);
  await new Promise((r) => setImmediate(r));
  assert.match(moved.calls.statuses[0] ?? '', /has not seen "safe-to-preview" added at this commit/);

  // No record at all (the label was there before Ria first saw the PR): not vouched.
  const none = setup({ pulls: [labelled] });
  assert.deepEqual(await none.source.desired(none.ctx, app(config)), []);

  // Seen being added while Ria watched: vouched, and the vouch is recorded on the Environment.
  const live = setup({ pulls: [{ ...labelled, labels: [] }] });
  assert.deepEqual(await live.source.desired(live.ctx, app(config)), []);
  live.store.fromWebhook('acme/shop', labelled);
  const built = await live.source.desired(live.ctx, app(config));
  assert.deepEqual(built?.map((d) => d.spec.vouchedCommit), [labelled.headSha]);
});
