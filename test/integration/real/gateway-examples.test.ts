/**
 * The README walkthrough on the real node behind the real gateway: runDev (what `npm start` runs)
 * deploys examples/ on the runner's real cluster, Traefik serves the Gateway it creates, and the
 * URLs answer on host loopback ports as they do for a user's curl: hello (nginxdemos/hello's
 * stand-in, 80/20 across two versions, measured over 1,000 requests), notes (nginx's stand-in with
 * basic auth from the copied Secret), api (built from its Dockerfile by Kaniko, behind its router:
 * rewrite and redirect). A push to api serves the new commit at the same URL; a pull request's
 * preview URL serves the branch while main's URL serves main, and after the pull request closes
 * the preview URL is a 404 from the gateway and its namespace is gone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { runDev, type DevSession } from '../../../engine/dev/run-dev.js';
import { imageInRegistry } from '../../../engine/controller/environment/image-reuse.js';
import { defaultExamplesDir } from '../../../engine/dev/examples.js';
import { createDevCommand } from '../../../engine/cli/dev-command.js';
import { DEMO_SECRET } from '../../../engine/dev/demo-objects.js';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';
import { DEFAULT_DOMAIN } from '../../../engine/controller/environment/cluster-settings.js';
import type { Environment } from '../../../engine/crds/types.js';
import { testClients, eventually } from '../../support/kube.js';
import { captureIO } from '../../support/io.js';
import { countAnswers, gatewaySkip, get, hostOf, runningGateway, type Answer } from '../../support/gateway.js';

const skip = gatewaySkip();
const { core } = testClients();
let dir: string;
let examplesDir: string;
let statePath: string;
let session: DevSession;
const namespace = `ria-dev-${randomBytes(3).toString('hex')}`;
const auth = { authorization: `Basic ${Buffer.from(`${DEMO_SECRET.user}:${DEMO_SECRET.password}`).toString('base64')}` };

const envOf = (app: string, target: string) => session.environments().find((e) => e.spec?.app === app && e.spec?.target === target);
async function waitEnv(app: string, target: string, what: string, check: (e: Environment) => boolean, timeoutMs = 120_000): Promise<Environment> {
  return eventually(`${app} ${target}: ${what}`, async () => { const e = envOf(app, target); return e && check(e) ? e : undefined; }, timeoutMs, 250)
    .catch((err: Error) => { throw new Error(`${err.message}; last seen: ${JSON.stringify(envOf(app, target)?.status ?? null).slice(0, 1500)}`); });
}
const http = (host: string, path = '/', headers?: Record<string, string>) => get(session.gateway!.httpPort, host, path, headers ? { headers } : {});
async function cli(...args: string[]): Promise<string> {
  const io = captureIO(dir);
  const code = await createDevCommand({ statePath }).run(args, io);
  assert.equal(code, 0, `ria dev ${args.join(' ')}: ${io.err()}`);
  return io.out();
}
async function edit(example: string, file: string, from: string, to: string): Promise<void> {
  const path = join(examplesDir, example, file);
  const text = await readFile(path, 'utf8');
  assert.ok(text.includes(from), `${path} contains ${from}`);
  await writeFile(path, text.replace(from, to));
}
/** Answers until `n` in a row satisfy `check` (old pods may still answer for a moment after Ready). */
async function steadily(what: string, host: string, path: string, headers: Record<string, string> | undefined, check: (a: Answer) => boolean, n = 5): Promise<Answer> {
  let inRow = 0;
  return eventually(what, async () => {
    const a = await http(host, path, headers).catch(() => undefined);
    inRow = a && check(a) ? inRow + 1 : 0;
    return inRow >= n ? a : undefined;
  }, 180_000, 200);
}
/** Traefik's own answer when no router matches the host (not the app's 404, which has its own body). */
const noRouter = (a: Answer) => a.status === 404 && a.body === '404 page not found\n';
/**
 * The first answer that is the app's: Ready means the gateway accepted the routes, and Traefik
 * then applies its new configuration (a 404 of its own until then) and picks up each Service's
 * endpoints on its own watch (503 until then), a moment later.
 */
async function served(host: string, path = '/', headers?: Record<string, string>): Promise<Answer> {
  return eventually(`${host}${path} served`, async () => {
    const a = await http(host, path, headers).catch(() => undefined);
    return a && a.status !== 503 && !noRouter(a) ? a : undefined;
  }, 30_000, 250);
}
const helloImage = (a: Answer) => /Image: nginxdemos\/hello:(\S+)/.exec(a.body)?.[1] ?? `HTTP ${a.status}`;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'ria-dev-real-'));
  examplesDir = join(dir, 'examples');
  await cp(defaultExamplesDir(), examplesDir, { recursive: true });
  statePath = join(dir, 'state.json');
  session = await runDev({
    cluster: {
      kubeconfigPath: process.env.RIA_TEST_KUBECONFIG!, gatewayCrdsPath: process.env.RIA_TEST_GATEWAY_API_CRDS!,
      node: JSON.parse(process.env.RIA_TEST_REAL_NODE!), gateway: runningGateway(),
    },
    namespace, examplesDir, statePath, gitPort: 0, gatewayPorts: { http: 0, https: 0 },
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`examples not Ready within 420s: ${
    JSON.stringify(session.environments().map((e) => [e.metadata.name, e.status?.phase, e.status?.conditions?.find((c) => c.type === 'Ready')?.message]))}`)), 420_000); });
  try {
    await Promise.race([session.ready, late]);
  } finally {
    clearTimeout(timer);
  }
});
after(async () => {
  await session?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('each example\'s URL answers with the app\'s response, over HTTP and HTTPS (local CA)', { skip, timeout: 120_000 }, async () => {
  const hello = hostOf(envOf('hello', 'main')!.status!.url!);
  const a = await served(hello);
  assert.equal(a.status, 200, a.body);
  assert.match(a.body, /^Server address: [\d.]+:80\nServer name: hello-/);
  assert.match(a.body, /Image: nginxdemos\/hello:0\.[34]-plain-text \(stand-in/);

  const notes = hostOf(envOf('notes', 'main')!.status!.url!);
  assert.equal((await served(notes)).status, 401, 'nginx asks for the password from the copied Secret');
  const page = await http(notes, '/', auth);
  assert.equal(page.status, 200);
  assert.match(page.body, /<h1>Team notes<\/h1>/);
  assert.equal((await http(notes, '/healthz')).body, 'ok\n');

  // api: built by Kaniko; its router rewrites /api/* to the service's /*, redirects /v1 to /api.
  const apiEnv = envOf('api', 'main')!;
  assert.equal(apiEnv.status?.builds?.[0]?.phase, 'Succeeded');
  // The engine runs on the host and asks the node's registry through a published port: it sees
  // the image it built, so a branch reset to this commit would deploy it again without a build.
  assert.equal(await imageInRegistry(session.ctx, apiEnv.status!.builds![0]!.image, false), true, 'the engine sees its build in the node\'s registry');
  const front = endpointHost(['front'], { app: 'api', kind: 'branch', branch: 'main', commit: apiEnv.spec.commit }, DEFAULT_DOMAIN);
  const items = await served(front, '/api/items');
  assert.equal(items.status, 200, items.body);
  assert.deepEqual((JSON.parse(items.body) as { name: string }[]).map((i) => i.name), ['espresso', 'flat white', 'filter']);
  const moved = await http(front, '/v1/items');
  assert.equal(moved.status, 301);
  assert.equal(new URL(String(moved.headers.location), `http://${front}/`).pathname, '/api');

  // HTTPS on the gateway's HTTPS listener, verified against the local CA `ria dev` prints.
  const ca = await readFile(session.gateway!.caCert);
  const secure = await new Promise<Answer>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: session.gateway!.httpsPort, path: '/', servername: hello, headers: { host: hello }, ca, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(secure.status, 200);
  assert.match(secure.body, /Server name: hello-/);
});

test('hello\'s 80/20 weights: 1,000 requests through the gateway split within 4 points', { skip, timeout: 180_000 }, async () => {
  const hello = hostOf(envOf('hello', 'main')!.status!.url!);
  const counts = await countAnswers(session.gateway!.httpPort, hello, '/', 1000, helloImage);
  const v1 = counts.get('0.3-plain-text') ?? 0;
  const v2 = counts.get('0.4-plain-text') ?? 0;
  assert.equal(v1 + v2, 1000, `every answer from one of the two versions: ${JSON.stringify([...counts])}`);
  assert.ok(Math.abs(v1 / 10 - 80) <= 4, `v1 served ${v1 / 10}% (want 80 ± 4)`);
  assert.ok(Math.abs(v2 / 10 - 20) <= 4, `v2 served ${v2 / 10}% (want 20 ± 4)`);
});

test('a push to api: Kaniko builds the new commit and the same URL serves it', { skip, timeout: 420_000 }, async () => {
  await edit('api', 'server.js', "  { id: 3, name: 'filter', price: 3.0 },\n", "  { id: 3, name: 'filter', price: 3.0 },\n  { id: 4, name: 'cortado', price: 3.2 },\n");
  const out = await cli('push', 'api');
  const sha = /: ([0-9a-f]{7})\n/.exec(out)?.[1];
  assert.ok(sha, out);
  const e = await waitEnv('api', 'main', `Ready at ${sha}`, (x) => x.status?.shortCommit === sha && x.status?.phase === 'Ready', 360_000);
  assert.equal(e.status?.builds?.[0]?.commit.slice(0, 7), sha);
  const front = endpointHost(['front'], { app: 'api', kind: 'branch', branch: 'main', commit: e.spec.commit }, DEFAULT_DOMAIN);
  const a = await steadily('the URL serves the new commit', front, '/api/items/4', undefined, (x) => x.status === 200);
  assert.deepEqual(JSON.parse(a.body), { id: 4, name: 'cortado', price: 3.2 });
});

test('a pull request\'s preview URL serves the branch while main\'s serves main; closed, it is a 404 and its namespace is gone', { skip, timeout: 300_000 }, async () => {
  await edit('notes', 'Riofile', '<li>Standup moved to 09:45.</li>', '<li>Standup moved to 10:15.</li>');
  await cli('push', 'notes', '--branch', 'try-it');
  const opened = await cli('pr', 'open', 'notes', 'try-it');
  const n = Number(/pull request #(\d+)/.exec(opened)?.[1]);
  assert.ok(n >= 1, opened);
  const preview = await waitEnv('notes', `pr-${n}`, 'Ready', (x) => x.status?.phase === 'Ready', 180_000);
  const previewHost = hostOf(preview.status!.url!);
  const mainHost = hostOf(envOf('notes', 'main')!.status!.url!);
  assert.notEqual(previewHost, mainHost);
  const p = await steadily('the preview serves the branch', previewHost, '/', auth, (a) => a.status === 200);
  assert.match(p.body, /Standup moved to 10:15\./);
  const m = await http(mainHost, '/', auth);
  assert.match(m.body, /Standup moved to 09:45\./, 'main still serves main');

  await cli('pr', 'close', 'notes', 'try-it');
  const ns = environmentNamespace({ app: 'notes', kind: 'pr', pr: n, commit: preview.spec.commit });
  await eventually('the preview Environment and namespace are gone', async () => {
    const env = envOf('notes', `pr-${n}`);
    const live = await core.readNamespace({ name: ns }).catch(() => undefined);
    return !env && !live ? true : undefined;
  }, 180_000, 500);
  const gone = await steadily('the preview URL is a 404 from the gateway', previewHost, '/', auth, (a) => a.status === 404, 3);
  assert.match(gone.body, /404 page not found/, 'Traefik\'s own 404: no route for the host');
  assert.equal((await http(mainHost, '/', auth)).status, 200, 'main still answers');
});
