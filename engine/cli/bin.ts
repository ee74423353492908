#!/usr/bin/env node
import { main } from './main.js';
import { errorMessage } from '../errors.js';

// `ria validate --schema | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { process.stderr.write(`ria: ${errorMessage(err)}\n`); process.exitCode = 1; },
);
