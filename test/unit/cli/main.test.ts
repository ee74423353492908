import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { main } from '../../../engine/cli/main.js';
import { commands } from '../../../engine/cli/commands.js';
import { captureIO } from '../../support/io.js';

const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };

test('ria --version prints the package version', async () => {
  const io = captureIO();
  assert.equal(await main(['--version'], io), 0);
  assert.equal(io.out(), `ria ${pkg.version}\n`);
});

test('ria --help lists every command', async () => {
  const io = captureIO();
  assert.equal(await main(['--help'], io), 0);
  assert.match(io.out(), /^Usage: ria <command>/m);
  for (const command of commands) assert.match(io.out(), new RegExp(`^ {2}${command.name} +${command.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.ok(commands.length >= 6, 'dev, engine, install, validate, render, ps');
});

test('ria with no command prints help and exits 2', async () => {
  const io = captureIO();
  assert.equal(await main([], io), 2);
  assert.match(io.out(), /Commands:/);
});

test('an unknown command is a usage error (exit 2) naming the command', async () => {
  const io = captureIO();
  assert.equal(await main(['deploy-everything'], io), 2);
  assert.match(io.err(), /unknown command "deploy-everything"/);
});

test('a bad option is a usage error with the command usage', async () => {
  const io = captureIO();
  assert.equal(await main(['dev', '--mode', 'kind'], io), 2);
  assert.match(io.err(), /--mode must be full, real or apiserver, not "kind"/);
  assert.match(io.err(), /Usage: ria dev/);
});

test('ria <command> --help prints that command usage', async () => {
  const io = captureIO();
  assert.equal(await main(['dev', '--help'], io), 0);
  assert.match(io.out(), /^Usage: ria dev/);
});
