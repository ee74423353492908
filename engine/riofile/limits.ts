/**
 * Bounds on input, checked before the YAML parser sees the text: the parser recurses per nesting
 * level (10,000 nested "[" exhaust the process), and aliases can expand a small file without
 * limit. A Riofile is written by hand; these are far above any real one.
 */
export const LIMITS = {
  /** Bytes of a Riofile, before and after template expansion. */
  maxBytes: 1024 * 1024,
  /** YAML alias dereferences per document. */
  maxAliasCount: 100,
  /** Entries under `services`. */
  maxServices: 1000,
  /** Nesting of flow collections ([...] / {...}). */
  maxFlowDepth: 64,
  /** Leading spaces of a line: block nesting (and so parser recursion) grows with it. */
  maxIndent: 256,
} as const;

export interface LimitViolation {
  offset: number;
  message: string;
}

/** One linear pass over the text; reports the first limit exceeded. */
export function checkTextLimits(text: string): LimitViolation | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.maxBytes) return { offset: 0, message: `file is ${bytes} bytes; the limit is ${LIMITS.maxBytes} (1 MiB)` };
  let depth = 0;
  let quote = '';
  let lineStart = 0;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      // Quotes and comments end at a line end here: over-counting inside multi-line strings is safe (a false alarm needs 64 unbalanced brackets).
      quote = '';
      comment = false;
      const indent = leadingSpaces(text, i + 1);
      if (indent > LIMITS.maxIndent) return { offset: i + 1, message: `nesting too deep: a line is indented ${indent} columns; the limit is ${LIMITS.maxIndent}` };
      lineStart = i + 1;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if ((c === '"' || c === "'") && (i === lineStart || /[\s[{,:]/.test(text[i - 1]!))) quote = c;
    else if (c === '#' && (i === lineStart || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === '[' || c === '{') {
      if (++depth > LIMITS.maxFlowDepth) return { offset: i, message: `nesting too deep: more than ${LIMITS.maxFlowDepth} levels of [ ] or { }` };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  if (leadingSpaces(text, 0) > LIMITS.maxIndent) return { offset: 0, message: `nesting too deep: the first line is indented more than ${LIMITS.maxIndent} columns` };
  return undefined;
}

function leadingSpaces(text: string, from: number): number {
  let n = 0;
  while (text.charCodeAt(from + n) === 32) n++;
  return n;
}
