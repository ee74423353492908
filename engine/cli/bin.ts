#!/usr/bin/env node
import { main } from './main.js';
import { errorMessage } from '../errors.js';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { process.stderr.write(`ria: ${errorMessage(err)}\n`); process.exitCode = 1; },
);
