/**
 * What a Riofile router means, served by the real gateway (Traefik) in front of real pods: a header
 * match picks another service, a redirect answers 301 with its Location, a rewrite changes the
 * path the backend sees (and a header set on the way in reaches it), and a request timeout, which
 * Traefik does not implement (it is not among its GatewayClass's supportedFeatures), is a warning
 * on the Environment naming the Riofile line while the route is still served without it.
 * The backends echo what they received (Node's http server from a config file, on the local
 * node:20-alpine stand-in image).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually } from '../../support/kube.js';
import { echoConfigs, echoService, gatewaySkip, testGateway, type TestGateway } from '../../support/gateway.js';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';

/** The Environment of the app's main branch (named like its namespace). */
const mainEnv = (app: string) => environmentNamespace({ app, kind: 'branch', branch: 'main', commit: '' });

const skip = gatewaySkip();
const { ria } = testClients();
let gw: TestGateway;
let h: EngineHarness;
let app: string;
let front: string;

const riofile = `${echoConfigs()}services:
  echo:
${echoService('main')}
  canary:
${echoService('canary')}
routers:
  front:
    routes:
      - match:
          path:
            prefix: /hdr
          headers:
            - name: x-canary
              value:
                exact: "yes"
        to:
          - app: canary
            port: 8080
      - match:
          path:
            prefix: /old
        redirect:
          path: /new
      - match:
          path:
            prefix: /api
        rewrite:
          path: /
        headers:
          set:
            - name: x-ria-route
              value: api
        to:
          - app: echo
            port: 8080
      - match:
          path:
            prefix: /slow
        timeoutSeconds: 1
        to:
          - app: echo
            port: 8080
      - to:
          - app: echo
            port: 8080
`;

interface Echo { who: string; url: string; headers: Record<string, string> }
const echo = (body: string) => JSON.parse(body) as Echo;

before(async () => {
  if (skip) return;
  gw = await testGateway(ria);
  h = await engineHarness({ settings: gw.settings('pollInterval: 1s') });
  app = h.appName('routes');
  front = endpointHost(['front'], { app, kind: 'branch', branch: 'main', commit: '0000000' }, gw.domain);
});
after(async () => { await h?.close(); await gw?.close(); });

test('a router is served as its Riofile says: header match, redirect, rewrite; an unsupported timeout is a warning', { skip, timeout: 300_000 }, async () => {
  const sha = await h.commitApp('routes', 'main', { Riofile: riofile });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'routes') });
  // Ready means served: the gateway accepted every HTTPRoute and resolved its backends.
  const env = await h.waitEnvironment(mainEnv(app), `Ready at ${sha}`, (e) => e.status?.appliedCommit === sha && phaseIs('Ready')(e), 180_000);
  assert.ok(Object.values(env.status?.urls ?? {}).flat().includes(`https://${front}`), `front's URL in ${JSON.stringify(env.status?.urls)}`);

  // Header match: the same path goes to the canary only with the header.
  const plain = await gw.until('the front router answers', front, '/hdr', (a) => (a.status === 200 ? echo(a.body) : undefined));
  assert.equal(plain.who, 'main');
  // Traefik learns each backend's endpoints on its own watch: a moment after Ready it may still
  // answer 503 ("no available server") for the one it has not seen yet.
  const canary = await eventually('the canary answers', async () => {
    const a = await gw.get(front, '/hdr', { headers: { 'x-canary': 'yes' } });
    return a.status === 200 ? echo(a.body) : undefined;
  }, 30_000, 250);
  assert.equal(canary.who, 'canary');
  assert.equal(echo((await gw.get(front, '/hdr', { headers: { 'x-canary': 'no' } })).body).who, 'main');

  // Redirect: 301, Location /new on the same host (Traefik writes it scheme-relative).
  const moved = await gw.get(front, '/old/page');
  assert.equal(moved.status, 301);
  assert.equal(new URL(String(moved.headers.location), `http://${front}/`).href, `http://${front}/new`);

  // Rewrite: /api/items reaches the backend as /items, with the header the route sets.
  const api = echo((await gw.get(front, '/api/items?x=1')).body);
  assert.equal(api.url, '/items?x=1');
  assert.equal(api.headers['x-ria-route'], 'api');
  assert.equal(api.who, 'main');

  // Timeout: Traefik does not implement HTTPRoute timeouts; Ria says so, naming the Riofile line,
  // and the route is served without one (a 2 s answer is not cut at 1 s).
  const timeoutWarning = (env.status?.warnings ?? []).find((w) => w.includes('routers.front.routes[3].timeoutSeconds'));
  assert.ok(timeoutWarning, `a warning about the timeout in ${JSON.stringify(env.status?.warnings)}`);
  assert.match(timeoutWarning, /^Riofile:\d+ routers\.front\.routes\[3\]\.timeoutSeconds: the cluster's gateway does not serve a request timeout \(1s\) \(Gateway API feature HTTPRouteRequestTimeout/);
  const slow = await gw.get(front, '/slow?sleep=2000');
  assert.equal(slow.status, 200);
  assert.equal(echo(slow.body).url, '/slow?sleep=2000');
});
