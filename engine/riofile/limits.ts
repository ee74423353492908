/**
 * Budgets on input, each checked before the step it protects: Riofiles come from app repositories
 * and pull requests, so they are hostile. The YAML parser recurses per nesting level (10,000
 * nested "[" exhaust the process) and costs tens of microseconds per node (a 600 KB list of 300k
 * items took seconds, then overflowed the stack), templates multiply text (a 400 KB default used
 * 40k times), aliases expand without limit. A Riofile is written by hand; these are far above any
 * real one (Rio's largest, the cert-manager stack, is 5,400 lines and ~9,000 entries).
 */
export const LIMITS = {
  /** Bytes of a Riofile as written. */
  maxBytes: 1024 * 1024,
  /** Bytes of a Riofile after template expansion; checked while expanding, not after. */
  maxTemplateOutputBytes: 1024 * 1024,
  /** YAML entries (lines with content, plus items and separators of flow collections), counted on the text before parsing. */
  maxNodes: 50_000,
  /** YAML alias dereferences per document. */
  maxAliasCount: 100,
  /** Entries under `services`. */
  maxServices: 1000,
  /** Problems reported per Riofile; the rest are counted, not located (locating each one costs a walk of the document). */
  maxIssues: 100,
  /** Nesting of flow collections ([...] / {...}). */
  maxFlowDepth: 64,
  /** Columns before a line's content (spaces, and compact `- ` / `? ` / `: ` indicators): block nesting grows with it. */
  maxIndent: 256,
  /** Nesting of `{{ if }}` blocks in a Go template. */
  maxTemplateDepth: 64,
} as const;

/**
 * Searchable codes of the budget violations (and of a parser failure that is Ria's bug), shown
 * as `[CODE]` after the message. Stable: users and their searches depend on them; listed in README.md.
 */
export const LimitCode = {
  TooLarge: 'RIOFILE_TOO_LARGE',
  TemplateOutputTooLarge: 'RIOFILE_TEMPLATE_OUTPUT_TOO_LARGE',
  TooManyNodes: 'RIOFILE_TOO_MANY_NODES',
  TooDeep: 'RIOFILE_TOO_DEEP',
  TemplateTooDeep: 'RIOFILE_TEMPLATE_TOO_DEEP',
  TooManyAliases: 'RIOFILE_TOO_MANY_ALIASES',
  TooManyServices: 'RIOFILE_TOO_MANY_SERVICES',
  Internal: 'RIOFILE_INTERNAL',
} as const;
export type LimitCode = (typeof LimitCode)[keyof typeof LimitCode];

export interface LimitViolation {
  offset: number;
  message: string;
  code: LimitCode;
}

/**
 * One linear pass over the text; reports the first budget exceeded (size, nesting, entries).
 * Quotes and comments end at a line end here: over-counting inside multi-line strings and block
 * scalars is safe (a false alarm needs 64 unbalanced brackets, or 50,000 lines). `template`:
 * the text is a template, whose `${VAR}` and `{{ }}` braces are not YAML; the expanded text is
 * always checked again without this leniency before the YAML parser sees it.
 */
export function checkTextLimits(text: string, template = false): LimitViolation | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.maxBytes) return { offset: 0, message: `file is ${bytes} bytes; the limit is ${LIMITS.maxBytes} (1 MiB)`, code: LimitCode.TooLarge };
  let depth = 0;
  let quote = '';
  let lineStart = 0;
  let comment = false;
  let entries = 0;
  /** `${` opened on this line (template mode): the next `}` closes it, not a flow map. */
  let substitutions = 0;
  const line = (at: number): LimitViolation | undefined => {
    const indent = effectiveIndent(text, at);
    if (indent > LIMITS.maxIndent) {
      return { offset: at + LIMITS.maxIndent, message: `nesting too deep: a line's content starts more than ${LIMITS.maxIndent} columns in (indentation and compact "- " / "? " indicators)`, code: LimitCode.TooDeep };
    }
    const c = text[at + indent];
    if (c !== undefined && c !== '\n' && c !== '#') entries++;
    return undefined;
  };
  const first = line(0);
  if (first) return first;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      quote = '';
      comment = false;
      substitutions = 0;
      const violation = line(i + 1);
      if (violation) return violation;
      lineStart = i + 1;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (template && (c === '{' || c === '}')) {
      if (c === '{' && text[i - 1] === '$') { substitutions++; continue; }
      if (text[i + 1] === c) { i++; continue; } // `{{` / `}}` of a Go template action
      if (c === '}' && substitutions > 0) { substitutions--; continue; }
    }
    if ((c === '"' || c === "'") && (i === lineStart || /[\s[{,:]/.test(text[i - 1]!))) quote = c;
    else if (c === '#' && (i === lineStart || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === '[' || c === '{') {
      if (++depth > LIMITS.maxFlowDepth) return { offset: i, message: `nesting too deep: more than ${LIMITS.maxFlowDepth} levels of [ ] or { }`, code: LimitCode.TooDeep };
      entries++;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
    // Outside a flow collection a comma is only text (CSV in a config, prose): not an entry.
    else if (c === ',' && depth > 0) entries++;
    if (entries > LIMITS.maxNodes) return { offset: i, message: `more than ${LIMITS.maxNodes} YAML entries (lines, list items, flow-collection items); refused before parsing`, code: LimitCode.TooManyNodes };
  }
  if (entries > LIMITS.maxNodes) return { offset: text.length, message: `more than ${LIMITS.maxNodes} YAML entries (lines, list items, flow-collection items); refused before parsing`, code: LimitCode.TooManyNodes };
  return undefined;
}

/**
 * Where a line's content starts: after its spaces and after compact block indicators
 * (`- - - x`, `? ? x`, `: x`), each of which opens one more level of nesting without any
 * indentation. Stops counting past the limit, so a line of a million "- " costs 257 steps.
 */
function effectiveIndent(text: string, from: number): number {
  let i = from;
  const stop = from + LIMITS.maxIndent + 1;
  while (i < stop) {
    const c = text.charCodeAt(i);
    if (c === 32) i++;
    else if ((c === 45 || c === 63 || c === 58) && (text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 9)) i += 2; // '-', '?', ':' then space/tab
    else break;
  }
  return i - from;
}
