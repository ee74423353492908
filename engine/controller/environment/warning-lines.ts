/**
 * Render warnings name a Riofile path (`routers.api.routes[0].mirror`); users look for a line.
 * This finds the line of that path in the Riofile text (or of its nearest ancestor the file
 * has), so `status.warnings` reads `Riofile:14 routers.api.routes[0].mirror: ...`. Pure.
 */
import { parseDocument } from 'yaml';
import { lineCounterMapper, nodeOffset } from '../../riofile/locate.js';
import type { Path } from '../../riofile/path.js';

/** `routers.api.routes[0]["a.b"]` -> `['routers', 'api', 'routes', 0, 'a.b']` (the inverse of formatPath). */
export function parsePath(text: string): Path {
  const out: (string | number)[] = [];
  const re = /([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\./g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

/** `warnings` as `file:line path: message`; without a usable document (templated text), `path: message`. */
export function locateWarnings(text: string, file: string, warnings: ReadonlyArray<{ path: string; message: string }>): string[] {
  if (warnings.length === 0) return [];
  let lineOf: ((path: string) => number | undefined) | undefined;
  try {
    const doc = parseDocument(text);
    if (doc.errors.length === 0) {
      const toPosition = lineCounterMapper(text);
      lineOf = (path) => toPosition(nodeOffset(doc, parsePath(path), 'key')).line;
    }
  } catch { /* a Riofile the parser accepted through its template: no lines */ }
  return warnings.map((w) => {
    const line = lineOf?.(w.path);
    return `${line ? `${file}:${line} ` : ''}${w.path}: ${w.message}`;
  });
}
