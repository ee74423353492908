#!/usr/bin/env node
/**
 * Regenerates test/github/openapi-slice.json: the part of GitHub's own OpenAPI description
 * (package @octokit/openapi, pinned below) that covers the REST operations Ria calls, with every
 * `#/components/...` object those operations reference kept verbatim. The GitHub stand-in
 * (test/github/standin.ts) validates each request against it.
 *
 * Why a slice: the full package unpacks to ~385 MB, too much for a dependency. This script
 * fetches the pinned tarball with `npm pack` into a temp dir (the npm registry is the only
 * network it touches), extracts api.github.com.json and writes the slice. Both this script and
 * its output are committed; run it again only to move to a newer description:
 *
 *   node test/github/make-openapi-slice.mjs
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPENAPI_VERSION = '23.0.2';
const SOURCE_FILE = 'package/generated/api.github.com.json';

/** path -> methods: every REST call Ria makes (engine/github/*). Add here when Ria calls more. */
export const OPERATIONS = {
  '/repos/{owner}/{repo}/pulls': ['get'],
  '/repos/{owner}/{repo}/statuses/{sha}': ['post'],
  '/repos/{owner}/{repo}/deployments': ['get', 'post'],
  '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses': ['post'],
  '/repos/{owner}/{repo}/issues/{issue_number}/comments': ['get', 'post'],
  '/repos/{owner}/{repo}/issues/comments/{comment_id}': ['patch'],
};

function collectRefs(node, out) {
  if (Array.isArray(node)) { for (const v of node) collectRefs(v, out); return; }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') out.add(value);
    else collectRefs(value, out);
  }
}

function pointer(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
  return ref.slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node, part) => { if (!(part in node)) throw new Error(`dangling $ref ${ref}`); return node[part]; }, doc);
}

function setPointer(doc, ref, value) {
  const parts = ref.slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = doc;
  for (const part of parts.slice(0, -1)) node = node[part] ??= {};
  node[parts.at(-1)] = value;
}

export function slice(full) {
  const out = { openapi: full.openapi, info: { ...full.info, description: `Slice of GitHub's REST description (@octokit/openapi ${OPENAPI_VERSION}) used by Ria's tests.` }, servers: full.servers, paths: {}, components: {} };
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    const item = full.paths[path];
    if (!item) throw new Error(`path ${path} not in the description`);
    out.paths[path] = Object.fromEntries(methods.map((m) => {
      if (!item[m]) throw new Error(`${m.toUpperCase()} ${path} not in the description`);
      return [m, item[m]];
    }));
    if (item.parameters) out.paths[path].parameters = item.parameters;
  }
  // Follow $refs transitively so every referenced component is present.
  const pending = new Set();
  collectRefs(out.paths, pending);
  const done = new Set();
  while (pending.size) {
    const [ref] = pending;
    pending.delete(ref);
    if (done.has(ref)) continue;
    done.add(ref);
    const value = pointer(full, ref);
    setPointer(out, ref, value);
    const more = new Set();
    collectRefs(value, more);
    for (const r of more) if (!done.has(r)) pending.add(r);
  }
  return out;
}

function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ria-openapi-'));
  try {
    execFileSync('npm', ['pack', `@octokit/openapi@${OPENAPI_VERSION}`, '--silent'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack produced no tarball');
    execFileSync('tar', ['-xzf', tarball, SOURCE_FILE], { cwd: dir });
    const full = JSON.parse(readFileSync(join(dir, SOURCE_FILE), 'utf8'));
    const target = fileURLToPath(new URL('./openapi-slice.json', import.meta.url));
    writeFileSync(target, `${JSON.stringify(slice(full), null, 1)}\n`);
    process.stdout.write(`wrote ${target}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
