import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createGitHubClients } from '../../../engine/github/clients.js';
import { GitHubError, RateLimitedError } from '../../../engine/github/errors.js';
import { silentLog } from '../../../engine/controller/context.js';
import { startGitHubStandin, type GitHubStandin } from '../../github/standin.js';

let gh: GitHubStandin;
before(async () => { gh = await startGitHubStandin(); });
after(() => gh.stop());

const secretWith = (token: string | undefined) => ({
  reads: 0,
  async get(ref: { kind: string; name: string }) {
    this.reads++;
    if (ref.kind !== 'Secret' || ref.name !== 'gh-token' || token === undefined) return undefined;
    return { data: { token: Buffer.from(`${token}\n`).toString('base64') } } as never;
  },
});

test('no tokenSecret: no client, no request', async () => {
  const clients = createGitHubClients({ objects: secretWith(gh.token), namespace: 'ria', settings: () => ({ github: { apiUrl: gh.url } }), log: silentLog });
  assert.equal(await clients.api(), undefined);
});

test('the token comes from the Secret (re-read after its TTL) and reaches GitHub as the Authorization', async () => {
  let clock = 0;
  const objects = secretWith(gh.token);
  const clients = createGitHubClients({ objects, namespace: 'ria', settings: () => ({ github: { apiUrl: gh.url, tokenSecret: 'gh-token' } }), log: silentLog, now: () => clock });
  const api = await clients.api();
  await api!.createStatus({ owner: 'a', repo: 'b' }, 'c'.repeat(40), { state: 'success', context: 'ria/x/main', description: 'ok' });
  assert.equal(gh.requests.at(-1)?.status, 201, 'the stand-in accepted the token');
  assert.equal(await clients.api(), api, 'same client while the token is fresh');
  assert.equal(objects.reads, 1);
  clock += 61_000;
  await clients.api();
  assert.equal(objects.reads, 2);
});

test('a missing token Secret is a typed error without the token', async () => {
  const clients = createGitHubClients({ objects: secretWith(undefined), namespace: 'ria', settings: () => ({ github: { apiUrl: gh.url, tokenSecret: 'gh-token' } }), log: silentLog });
  await assert.rejects(clients.api(), (err: unknown) => err instanceof GitHubError && err.code === 'GitHubTokenMissing');
});

test('invalid settings turn GitHub off and are logged once', async () => {
  const errors: string[] = [];
  const log = { ...silentLog, error: (msg: string, f?: Record<string, unknown>) => errors.push(`${msg}: ${String(f?.error)}`) };
  const clients = createGitHubClients({ objects: secretWith(gh.token), namespace: 'ria', settings: () => ({ github: { statuses: 'yes' } }), log });
  assert.equal(clients.settings(), undefined);
  assert.equal(await clients.api(), undefined);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /"statuses" must be true or false/);
});

test('a rate limit is reported once and then nothing is sent', async () => {
  const limited: string[] = [];
  const clients = createGitHubClients({ objects: secretWith(gh.token), namespace: 'ria', settings: () => ({ github: { apiUrl: gh.url, tokenSecret: 'gh-token' } }), log: silentLog,
    onRateLimited: (_until, reason) => limited.push(reason) });
  const api = (await clients.api())!;
  gh.failNext(1, 403, { 'retry-after': '120' }, 'You have exceeded a secondary rate limit');
  await assert.rejects(api.listOpenPulls({ owner: 'a', repo: 'b' }), RateLimitedError);
  const sent = gh.requests.length;
  await assert.rejects(api.listOpenPulls({ owner: 'a', repo: 'b' }), RateLimitedError);
  assert.equal(gh.requests.length, sent);
  assert.deepEqual(limited, ['secondary rate limit: retry-after 120s']);
});
