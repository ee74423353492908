import { readFileSync } from 'node:fs';

/** The version from package.json, read relative to this file (works from dist/ and from an installed package). */
export function riaVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
