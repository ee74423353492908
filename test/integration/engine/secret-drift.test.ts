/**
 * A Secret of a Riofile's manifest written with `stringData` is checked for drift like any other
 * object (render/secret-data.ts): the API server keeps only `data`, so Ria applies `data`. A drift
 * check with nothing changed writes nothing; a value changed in the cluster is put back. Its value
 * appears in no log line, status or Event.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { eventually } from '../../support/kube.js';
import { memoryKey } from '../../../engine/controller/environment/memory.js';
import type { Log } from '../../../engine/controller/context.js';
import type { KubeObject } from '../../../engine/kube/objects.js';

/** Short, so that a few drift checks fit in the test (the default is 5 minutes). */
const DRIFT_MS = 20_000;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const lines: string[] = [];
const log: Log = Object.fromEntries(['info', 'warn', 'error', 'debug'].map((level) =>
  [level, (msg: string, fields?: Record<string, unknown>) => { lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`); }])) as unknown as Log;
let h: EngineHarness;

before(async () => {
  h = await engineHarness({ driftIntervalMs: DRIFT_MS, log });
});
after(() => h.close());

test('a manifest Secret with stringData: not applied again by a drift check with nothing changed, put back when changed in the cluster, its value shown nowhere', async () => {
  // Setup: the app's Riofile carries a Secret written with stringData (and one key in data).
  const value = `pw-${h.suffix}-original`;
  const app = h.appName('vault');
  const riofile = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\nkubernetes:\n  manifest: |-\n    apiVersion: v1\n    kind: Secret\n    metadata:\n      name: db\n'
    + `    data:\n      user: ${b64('app')}\n    stringData:\n      password: ${value}\n`;
  await h.commitApp('vault', 'main', { Riofile: riofile });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'vault') });
  const env = await h.waitEnvironment(`${app}--main`, 'Ready', phaseIs('Ready'));
  const ref = { apiVersion: 'v1', kind: 'Secret', namespace: env.spec.namespace, name: 'db' };
  const live = await h.ctx.objects.get<KubeObject>(ref);
  assert.deepEqual(live?.data, { password: b64(value), user: b64('app') });
  await h.engine.queue.idle();

  // Test: until a drift check has run (lastApplied moves; the resync ticks every interval and
  // checks what is due), and nothing written.
  const stats = h.ctx.objects.rest.stats;
  const writes = stats.writes;
  const started = Date.now();
  await eventually('a drift check ran', async () => ((h.engine.memory.lastApplied.get(memoryKey(h.namespace, `${app}--main`)) ?? 0) > started ? true : undefined), 3 * DRIFT_MS);
  await h.engine.queue.idle();
  assert.equal(stats.writes - writes, 0, `writes during the drift check: ${JSON.stringify(stats.byVerb)}`);

  // A value changed in the cluster (a merge patch: kubectl edit) is put back by the drift check.
  await h.ctx.objects.mergePatch(ref, { data: { password: b64('changed-by-hand') } });
  await eventually('the Secret\'s value put back by the drift check', async () => {
    const s = await h.ctx.objects.get<KubeObject>(ref);
    return (s?.data as Record<string, string> | undefined)?.password === b64(value) ? true : undefined;
  }, 3 * DRIFT_MS);

  // Neither the value nor its base64 is in a log line, the Environment's status or an Event.
  const events = await h.ctx.objects.list<KubeObject>('v1', 'Event', { namespace: h.namespace });
  const status = JSON.stringify((await h.environment(`${app}--main`))?.status);
  assert.ok(lines.length > 0, 'the engine logged');
  for (const [where, text] of [['log', lines.join('\n')], ['status', status], ['events', JSON.stringify(events)]] as const) {
    for (const secret of [value, b64(value), 'changed-by-hand', b64('changed-by-hand')]) assert.ok(!text.includes(secret), `${where} shows the Secret's value`);
  }
});
