/**
 * Builds (first time) or finds Flux's controllers and CRDs: bench/peers/build-flux.sh, cached in
 * ~/.cache/ria/flux-<version>/. Its progress lines go to stderr as they come.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface FluxBinaries {
  dir: string;
  version: string;
}

/** The repository's bench/peers (the compiled file runs from dist/bench/peers). */
const sourceDir = fileURLToPath(new URL('../../../bench/peers/', import.meta.url));

export function fluxVersion(): string {
  const v = JSON.parse(readFileSync(`${sourceDir}versions.json`, 'utf8')) as Record<string, string>;
  return v['flux-kustomize-controller']!;
}

export function ensureFlux(onProgress: (line: string) => void): Promise<FluxBinaries> {
  return new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', '10', 'bash', `${sourceDir}build-flux.sh`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    let partial = '';
    child.stderr.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) onProgress(l);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const dir = /^FLUX_DIR=(.+)$/m.exec(out)?.[1];
      if (code !== 0 || !dir) reject(new Error(`bench/peers/build-flux.sh failed (exit ${code}); see its lines above`));
      else resolve({ dir, version: fluxVersion() });
    });
  });
}
