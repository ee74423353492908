import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { main } from '../../../engine/cli/main.js';
import { FIXTURES } from './helpers.js';
import { tempDir } from '../../support/temp-dir.js';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function ria(args: string[], cwd: string) {
  const out = capture();
  const err = capture();
  const code = await main(['validate', ...args], { stdout: out.stream, stderr: err.stream, cwd });
  return { code, stdout: out.text(), stderr: err.text() };
}

function workdir(files: Record<string, string>): string {
  const dir = tempDir('ria-validate-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('valid: exit 0; the default file is ./Riofile', async () => {
  const dir = workdir({ Riofile: 'services:\n  web:\n    image: nginx\n' });
  assert.deepEqual(await ria([], dir), { code: 0, stdout: 'Riofile: valid\n', stderr: '' });
});

test('invalid: exit 1, one FILE:LINE:COL: PATH: message line per problem', async () => {
  const dir = workdir({ 'a.yaml': 'services:\n  web:\n    image: nginx\n    ports: ["80/htp"]\n    scale: lots\n' });
  const r = await ria(['a.yaml'], dir);
  assert.equal(r.code, 1);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [
    'a.yaml:4:13: services.web.ports[0]: unknown protocol "htp"; did you mean "http"? (found "80/htp"; expected one of tcp, udp, sctp, http, http2, grpc)',
    'a.yaml:5:12: services.web.scale: "lots" is not a replica count (expected a number, or MIN-MAX such as 1-10 to autoscale)',
  ]);
});

test('several files: each is checked; any invalid one makes the exit 1', async () => {
  const r = await ria([`${FIXTURES}rio/01-nginx-configs.yaml`, `${FIXTURES}rio/12-legacy-v0.5-build-args.yaml`], '/');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /01-nginx-configs.yaml: valid\n/);
  assert.equal(r.stdout.split('\n').filter((l) => l.includes('legacy Rio key')).length, 6);
});

test('--json prints the problems as a JSON array', async () => {
  const dir = workdir({ Riofile: 'servics: {}\n' });
  const r = await ria(['--json'], dir);
  assert.equal(r.code, 1);
  assert.deepEqual(JSON.parse(r.stdout), [
    { file: 'Riofile', line: 1, column: 1, path: 'servics', message: 'unknown key "servics"; did you mean "services"?', found: 'servics', expected: 'services', kind: 'RiofileInvalid' },
  ]);
  const ok = await ria(['--json'], workdir({ Riofile: 'services: {}\n' }));
  assert.deepEqual([ok.code, JSON.parse(ok.stdout)], [0, []]);
});

test('--answers and --set feed template answers (--set wins); --print shows the normalized model', async () => {
  const dir = workdir({
    Riofile: 'services:\n  web:\n    image: nginx:${TAG}\n    scale: ${N}\ntemplate:\n  envSubst: true\n  questions:\n  - variable: TAG\n    required: true\n',
    'answers.yaml': 'TAG: "1.25"\nN: 2\n',
  });
  const missing = await ria([], dir);
  assert.deepEqual([missing.code, missing.stdout], [1, 'Riofile:8:5: template.questions[0].variable: question TAG is required but has no answer (expected an answer for TAG (ria validate --set TAG=VALUE))\n']);
  const printed = await ria(['--answers', 'answers.yaml', '--set', 'N=3', '--print'], dir);
  assert.equal(printed.code, 0);
  const model = parse(printed.stdout.replace(/^# Riofile\n/, '')) as { services: { web: { image: string; replicas: number } } };
  assert.deepEqual([model.services.web.image, model.services.web.replicas], ['nginx:1.25', 3]);
});

test('usage errors exit 2: unknown option, bad --set, missing file, --json with --print', async () => {
  const dir = workdir({ Riofile: 'services: {}\n', 'bad.yaml': 'A: [1\n', 'list.yaml': '- a\n' });
  for (const [args, message] of [
    [['--answers', 'bad.yaml'], `${join(dir, 'bad.yaml')}: answers are not valid YAML`],
    [['--answers', 'list.yaml'], `${join(dir, 'list.yaml')}: answers must be a map of VARIABLE: value`],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['--set', 'NOVALUE'], '--set needs KEY=VALUE, got "NOVALUE"'],
    [['--answers'], '--answers needs a value'],
    [['missing.yaml'], `cannot read ${join(dir, 'missing.yaml')}`],
    [['--json', '--print'], '--json and --print cannot be combined'],
  ] as const) {
    const r = await ria([...args], dir);
    assert.equal(r.code, 2, args.join(' '));
    assert.ok(r.stderr.startsWith(`ria validate: ${message}`), r.stderr);
  }
});

test('--schema prints the published JSON Schema', async () => {
  const r = await ria(['--schema'], '/');
  assert.equal(r.code, 0);
  const published = JSON.parse(readFileSync(`${FIXTURES}../../schemas/riofile.schema.json`, 'utf8')) as unknown;
  assert.deepEqual(JSON.parse(r.stdout), published);
});
