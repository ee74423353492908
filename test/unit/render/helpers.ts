import type { KubeObject, RenderResult } from '../../../engine/render/types.js';

/** The one object of `kind` named `name` (fails the test when absent). */
export function find(result: RenderResult | KubeObject[], kind: string, name?: string): KubeObject {
  const objects = Array.isArray(result) ? result : result.objects;
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0]!;
}

export function kinds(result: RenderResult): string[] {
  return result.objects.map((o) => `${o.kind}/${o.metadata.name}`);
}

/** Reads a nested field by dotted path (numbers index arrays). */
export function at(obj: unknown, path: string): any {
  return path.split('.').reduce<any>((o, k) => (o === undefined || o === null ? undefined : o[/^\d+$/.test(k) ? Number(k) : k]), obj);
}

export function codes(result: RenderResult): string[] {
  return result.warnings.map((w) => w.code);
}
