import { test } from 'node:test';
import type { Port, Protocol } from '../../../engine/riofile/model.js';
import assert from 'node:assert/strict';
import { parseDurationSeconds } from '../../../engine/riofile/syntax/duration.js';
import { parseEnv } from '../../../engine/riofile/syntax/env.js';
import { formatDataMount, formatEnv, formatHostAlias, formatPermission, formatPort, formatVolume } from '../../../engine/riofile/syntax/format.js';
import { parseDnsOption, parseHostAlias } from '../../../engine/riofile/syntax/hosts.js';
import { parseDataMount } from '../../../engine/riofile/syntax/mounts.js';
import { parsePermission, READ_VERBS, WRITE_VERBS } from '../../../engine/riofile/syntax/permissions.js';
import { parsePort } from '../../../engine/riofile/syntax/ports.js';
import { parseBytes, parseCpuMillis } from '../../../engine/riofile/syntax/quantity.js';
import type { Parsed } from '../../../engine/riofile/syntax/result.js';
import { shellSplit } from '../../../engine/riofile/syntax/shlex.js';
import { parseVolume } from '../../../engine/riofile/syntax/volumes.js';
import { PATTERNS } from '../../../engine/riofile/schema/patterns.js';

function value<T>(p: Parsed<T>): T {
  if (!p.ok) assert.fail(`unexpected parse failure: ${p.message}`);
  return p.value;
}

/** string -> value -> canonical string -> the same value: the syntax and its formatter agree. */
function roundTrip<T>(cases: [string, T, string?][], parse: (s: string) => Parsed<T>, format: (v: T) => string, pattern?: string): void {
  for (const [input, expected, canonical] of cases) {
    const parsed = value(parse(input));
    assert.deepEqual(parsed, expected, input);
    const text = format(parsed);
    assert.equal(text, canonical ?? input, `format of ${input}`);
    assert.deepEqual(value(parse(text)), expected, `reparse of ${text}`);
    // The schema pattern (what editors check) accepts everything the parser accepts.
    if (pattern) assert.match(input, new RegExp(pattern, 'u'), `schema pattern rejects ${input}`);
  }
}

test('ports: every option of [servicePort:]containerPort[/protocol][,name][,expose|internal][,hostport]', () => {
  const p = (port: number, targetPort: number, protocol: Protocol, expose: boolean, extra: object = {}): Port => ({ port, targetPort, protocol, expose, hostPort: false, ...extra });
  roundTrip(
    [
      ['80', p(80, 80, 'http', true)],
      ['8080/http', p(8080, 8080, 'http', true), '8080'],
      ['81:8081', p(81, 8081, 'http', true)],
      ['80:8080/http,web', p(80, 8080, 'http', true, { name: 'web' }), '80:8080,web'],
      ['8080/http,admin,internal=true', p(8080, 8080, 'http', false, { name: 'admin' }), '8080,admin,internal'],
      ['80,web,expose=false', p(80, 80, 'http', false, { name: 'web' }), '80,web,internal'],
      ['53/udp', p(53, 53, 'udp', false)],
      ['9000/tcp,expose', p(9000, 9000, 'tcp', true)],
      ['9000/TCP,internal=false', p(9000, 9000, 'tcp', true), '9000/tcp,expose'],
      ['50051/grpc,api', p(50051, 50051, 'grpc', false, { name: 'api' })],
      ['8443/http2', p(8443, 8443, 'http2', true)],
      ['132/sctp,hostport', { ...p(132, 132, 'sctp', false), hostPort: true }],
      ['80,name=expose', p(80, 80, 'http', true, { name: 'expose' })],
    ],
    parsePort,
    formatPort,
    PATTERNS.port,
  );
});

test('ports: each mistake is named', () => {
  const message = (s: string) => {
    const r = parsePort(s);
    return r.ok ? 'ok' : r.message;
  };
  assert.equal(message('8080/htp'), 'unknown protocol "htp"; did you mean "http"?');
  assert.equal(message('0'), 'port 0 is out of range 1-65535');
  assert.equal(message('80:65536'), 'port 65536 is out of range 1-65535');
  assert.equal(message('1:2:3'), 'too many ":" in port "1:2:3"');
  assert.equal(message('80,Web'), 'port name "Web" must be lowercase letters, digits and "-"');
  assert.equal(message('80,averyveryverylongname'), 'port name "averyveryverylongname" is longer than 15 characters');
  assert.equal(message('80,foo=bar'), 'unknown port option "foo"');
  assert.equal(message('80,,web'), 'empty option in port "80,,web"');
});

test('env: values, secrets, configs and the downward API', () => {
  roundTrip(
    [
      ['FOO=bar', { name: 'FOO', value: 'bar' }],
      ['EMPTY=', { name: 'EMPTY', value: '' }],
      ['URL=http://x/?a=b', { name: 'URL', value: 'http://x/?a=b' }],
      ['BARE', { name: 'BARE', value: '' }, 'BARE='],
      ['PASS=secret://db/password', { name: 'PASS', secretRef: { name: 'db', key: 'password' } }],
      ['LEVEL=config://app.settings/log.level', { name: 'LEVEL', configRef: { name: 'app.settings', key: 'log.level' } }],
      ['POD=$(self/name)', { name: 'POD', fieldRef: 'self/name' }],
      ['NODE_IP=$(self/nodeIp)', { name: 'NODE_IP', fieldRef: 'self/nodeIp' }],
      ['MIX=prefix-$(self/name)', { name: 'MIX', value: 'prefix-$(self/name)' }],
    ],
    parseEnv,
    formatEnv,
    PATTERNS.env,
  );
  const bad = parseEnv('X=config://Bad_Name/key');
  assert.deepEqual(bad, { ok: false, message: '"Bad_Name" is not a valid object name', expected: 'config://NAME/KEY' });
});

test('secrets and configs mounts: name[/key][:target] with Rio default targets', () => {
  roundTrip(
    [
      ['conf/index.html:/usr/share/nginx/html/index.html', { name: 'conf', key: 'index.html', target: '/usr/share/nginx/html/index.html' }],
      ['buildkitd-config:/etc/buildkit', { name: 'buildkitd-config', target: '/etc/buildkit' }],
      ['app', { name: 'app', target: '/run/configs/app' }],
      ['app/key', { name: 'app', key: 'key', target: '/run/configs/app/key' }],
    ],
    (s) => parseDataMount(s, 'config'),
    (m) => formatDataMount(m, 'config'),
    PATTERNS.mount,
  );
  roundTrip([['tls', { name: 'tls', target: '/run/secrets/tls' }]], (s) => parseDataMount(s, 'secret'), (m) => formatDataMount(m, 'secret'), PATTERNS.mount);
});

test('volumes: named, persistent, host paths with types, anonymous', () => {
  roundTrip(
    [
      ['data:/data', { name: 'data', path: '/data', persistent: false }],
      ['rio-registry:/var/lib/registry,persistent=true', { name: 'rio-registry', path: '/var/lib/registry', persistent: true }, 'rio-registry:/var/lib/registry,persistent'],
      ['/var/run/docker.sock:/var/run/docker.sock,hosttype=socket', { hostPath: '/var/run/docker.sock', path: '/var/run/docker.sock', persistent: false, hostPathType: 'Socket' }, '/var/run/docker.sock:/var/run/docker.sock,hosttype=Socket'],
      ['/scratch', { path: '/scratch', persistent: false }],
    ],
    parseVolume,
    formatVolume,
    PATTERNS.volume,
  );
  assert.deepEqual(parseVolume('data:/d,hosttype=pipe'), { ok: false, message: '"hosttype=pipe" is not a host path type', expected: 'hosttype=DirectoryOrCreate|Directory|FileOrCreate|File|Socket|CharDevice|BlockDevice' });
});

test('permissions: verbs, groups, subresources, names, roles and URLs', () => {
  roundTrip(
    [
      ['create,get,list certmanager.k8s.io/*', { verbs: ['create', 'get', 'list'], apiGroup: 'certmanager.k8s.io', resource: '*' }],
      ['* configmaps', { verbs: ['*'], apiGroup: '', resource: 'configmaps' }],
      ['secrets', { verbs: READ_VERBS, apiGroup: '', resource: 'secrets' }],
      ['get /pods/log', { verbs: ['get'], apiGroup: '', resource: 'pods/log' }],
      ['* rio.cattle.io/services/status', { verbs: ['*'], apiGroup: 'rio.cattle.io', resource: 'services/status' }],
      ['get,update configmaps leader,lock', { verbs: ['get', 'update'], apiGroup: '', resource: 'configmaps', resourceNames: ['leader', 'lock'] }],
      ['role=cluster-admin', { verbs: [], apiGroup: '', resource: '', role: 'cluster-admin' }],
      ['get url=/healthz', { verbs: ['get'], apiGroup: '', resource: '', nonResourceURL: '/healthz' }],
      ['write apps/deployments', { verbs: WRITE_VERBS, apiGroup: 'apps', resource: 'deployments' }, 'create,delete,get,list,patch,update,watch apps/deployments'],
    ],
    parsePermission,
    formatPermission,
    PATTERNS.permission,
  );
});

test('quantities: cpu to millicores, memory to bytes', () => {
  const cpu = (q: string | number) => value(parseCpuMillis(q));
  const mem = (q: string | number) => value(parseBytes(q));
  assert.deepEqual([cpu('100m'), cpu('0.5'), cpu(2), cpu('1.5'), cpu('0.0001')], [100, 500, 2000, 1500, 1]);
  assert.deepEqual([mem('100Mi'), mem('1Gi'), mem('1G'), mem('128974848'), mem('129e6'), mem('1k'), mem(512)], [104857600, 1073741824, 1e9, 128974848, 129e6, 1000, 512]);
  for (const q of ['100m', '0.5', '100Mi', '1e3', '.5']) assert.match(q, new RegExp(PATTERNS.quantity, 'u'));
  assert.equal(parseBytes('100 mi').ok, false);
  assert.equal(parseBytes('100MB').ok, false);
});

test('durations: seconds or Go durations, rounded up to whole seconds', () => {
  const d = (s: string | number) => value(parseDurationSeconds(s));
  assert.deepEqual([d(10), d('10'), d('90s'), d('1m30s'), d('2h'), d('1500ms'), d('1.5m')], [10, 10, 90, 90, 7200, 2, 90]);
  for (const s of ['10', '90s', '1m30s', '2h', '1500ms']) assert.match(s, new RegExp(PATTERNS.duration, 'u'));
  assert.equal(parseDurationSeconds('5 minutes').ok, false);
  assert.equal(parseDurationSeconds('1d').ok, false);
});

test('command and args: shell-style strings split without expansion', () => {
  assert.deepEqual(value(shellSplit(`sh -c 'echo $HOME && ls'`)), ['sh', '-c', 'echo $HOME && ls']);
  assert.deepEqual(value(shellSplit(`echo "a \\"b\\" c" d\\ e`)), ['echo', 'a "b" c', 'd e']);
  assert.deepEqual(value(shellSplit('  ')), []);
  assert.deepEqual(value(shellSplit(`a '' b`)), ['a', '', 'b']);
  assert.equal(shellSplit('echo "open').ok, false);
});

test('host aliases and DNS options', () => {
  roundTrip(
    [
      ['example.com=127.0.0.1', { ip: '127.0.0.1', hostnames: ['example.com'] }],
      ['a.local,b.local=::1', { ip: '::1', hostnames: ['a.local', 'b.local'] }],
    ],
    parseHostAlias,
    formatHostAlias,
    PATTERNS.hostAlias,
  );
  assert.deepEqual(value(parseDnsOption('ndots:5')), { name: 'ndots', value: '5' });
  assert.deepEqual(value(parseDnsOption('edns0')), { name: 'edns0' });
  assert.equal(parseHostAlias('example.com').ok, false);
});
