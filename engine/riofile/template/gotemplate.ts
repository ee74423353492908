import { lexAction, lexTemplate, type Token, type Word } from './gotemplate-lex.js';
import { OutputBuilder, TemplateFailure, type OffsetMap } from './source-map.js';
import { LimitCode, LIMITS } from '../limits.js';

type Value = string | number | boolean;
type Node = { kind: 'text'; start: number; end: number } | { kind: 'print'; words: Word[]; offset: number } | { kind: 'if'; branches: { cond: Word[]; body: Node[] }[]; otherwise: Node[] };

const FUNCTIONS = ['eq', 'ne', 'and', 'or', 'not'];
const SUPPORTED = '{{ .Values.X }}, {{ "text" }}, {{ if }}/{{ else if }}/{{ else }}/{{ end }} with eq, ne, and, or, not; {{- -}} trims';
const KEYWORDS = ['range', 'with', 'define', 'template', 'block', 'break', 'continue', 'end', 'else', 'if'];

/**
 * The subset of Go templates Rio's Riofiles use. Anything else is refused with its position
 * ("unsupported template construct"), never passed through: a half-expanded file could still be
 * valid YAML and deploy something nobody wrote. Blocks nest at most LIMITS.maxTemplateDepth deep
 * (parsing and rendering recurse per level); output past `maxOutput` characters throws
 * OutputTooLarge.
 */
export function goTemplate(text: string, values: ReadonlyMap<string, string>, failures: TemplateFailure[], maxOutput = Infinity): { text: string; map: OffsetMap } {
  const tokens = lexTemplate(text, failures);
  const parser: Parser = { tokens, i: 0, failures, depth: 0 };
  const nodes = parseNodes(parser, false);
  const out = new OutputBuilder(text, maxOutput);
  if (failures.length === 0) render(nodes, out, values, failures);
  return { text: out.text, map: out.map() };
}

interface Parser {
  tokens: Token[];
  i: number;
  failures: TemplateFailure[];
  /** Blocks open around the current token. */
  depth: number;
  /** Stopped at the depth limit: the blocks left open are not reported one by one. */
  aborted?: boolean;
}

/** Parses until `{{ end }}` / `{{ else }}` (left for the caller) or the end of input. */
function parseNodes(p: Parser, nested: boolean): Node[] {
  const nodes: Node[] = [];
  if (nested && ++p.depth > LIMITS.maxTemplateDepth) {
    const t = p.tokens[p.i - 1];
    p.failures.push(new TemplateFailure(t?.kind === 'action' ? t.offset : 0, `template blocks nested more than ${LIMITS.maxTemplateDepth} deep`,
      `at most ${LIMITS.maxTemplateDepth} levels of {{ if }}`, LimitCode.TemplateTooDeep));
    p.i = p.tokens.length; // nothing after this can be read reliably; one error is enough
    p.aborted = true;
    p.depth--;
    return nodes;
  }
  try {
    return parseNodesAt(p, nested, nodes);
  } finally {
    if (nested) p.depth--;
  }
}

function parseNodesAt(p: Parser, nested: boolean, nodes: Node[]): Node[] {
  while (p.i < p.tokens.length) {
    const t = p.tokens[p.i]!;
    if (t.kind === 'text') {
      nodes.push(t);
      p.i++;
      continue;
    }
    if (t.body.startsWith('/*')) {
      if (!t.body.endsWith('*/')) p.failures.push(new TemplateFailure(t.offset, 'unterminated comment', '{{/* ... */}}'));
      p.i++;
      continue;
    }
    const [first] = t.body.split(/\s+/);
    if (first === 'end' || first === 'else') {
      if (!nested) p.failures.push(new TemplateFailure(t.offset, `"{{ ${first} }}" without a matching "{{ if }}"`, SUPPORTED));
      else return nodes;
      p.i++;
      continue;
    }
    if (first === 'if') {
      nodes.push(parseIf(p, t));
      continue;
    }
    if (first !== undefined && KEYWORDS.includes(first)) {
      p.failures.push(new TemplateFailure(t.offset, `unsupported template construct "{{ ${first} }}"`, SUPPORTED));
      p.i++;
      // Skip the block it opens, so its {{ end }} is not reported a second time.
      if (['range', 'with', 'define', 'block'].includes(first)) {
        parseNodes(p, true);
        p.i++;
      }
      continue;
    }
    nodes.push({ kind: 'print', words: lexAction(t.body, t.bodyOffset), offset: t.offset });
    p.i++;
  }
  return nodes;
}

function parseIf(p: Parser, start: Token & { kind: 'action' }): Node {
  const node: Node & { kind: 'if' } = { kind: 'if', branches: [], otherwise: [] };
  let cond = lexAction(start.body.slice(2), start.bodyOffset + 2);
  p.i++;
  for (;;) {
    const body = parseNodes(p, true);
    const t = p.tokens[p.i];
    if (t === undefined || t.kind !== 'action') {
      if (!p.aborted) p.failures.push(new TemplateFailure(start.offset, '"{{ if }}" without "{{ end }}"', SUPPORTED));
      node.branches.push({ cond, body });
      return node;
    }
    p.i++;
    if (t.body === 'end') {
      node.branches.push({ cond, body });
      return node;
    }
    if (t.body === 'else') {
      node.branches.push({ cond, body });
      node.otherwise = parseNodes(p, true);
      const end = p.tokens[p.i];
      if ((end?.kind !== 'action' || end.body !== 'end') && !p.aborted) p.failures.push(new TemplateFailure(start.offset, '"{{ if }}" without "{{ end }}"', SUPPORTED));
      p.i++;
      return node;
    }
    // {{ else if COND }}
    const rest = t.body.replace(/^else\s+/, '');
    if (!rest.startsWith('if')) {
      p.failures.push(new TemplateFailure(t.offset, `unsupported template construct "{{ ${t.body} }}"`, SUPPORTED));
      return node;
    }
    node.branches.push({ cond, body });
    cond = lexAction(rest.slice(2), t.bodyOffset + t.body.indexOf('if') + 2);
  }
}

function render(nodes: Node[], out: OutputBuilder, values: ReadonlyMap<string, string>, failures: TemplateFailure[]): void {
  for (const node of nodes) {
    if (node.kind === 'text') out.copy(node.start, node.end);
    else if (node.kind === 'print') {
      const v = evaluate(node.words, values, failures, node.offset);
      if (typeof v === 'string' && /\{\{|\}\}/.test(v)) {
        // Rio's docs escape actions for mkdocs as {{ "{{- if ... }}" }}; copied verbatim that prints an action instead of running it.
        failures.push(new TemplateFailure(node.offset, 'unsupported template construct: a string that prints "{{" or "}}" (the mkdocs escaping in Rio\'s docs); write the action itself', SUPPORTED));
      } else if (v !== undefined) out.emit(String(v), node.offset);
    } else {
      const branch = node.branches.find((b) => truthy(evaluate(b.cond, values, failures, node.branches[0]!.cond[0]?.offset ?? 0)));
      render(branch ? branch.body : node.otherwise, out, values, failures);
    }
  }
}

function truthy(v: Value | undefined): boolean {
  return v !== undefined && v !== '' && v !== false && v !== 0;
}

/** Evaluates `words` as one expression: a function call or a single operand. */
function evaluate(words: Word[], values: ReadonlyMap<string, string>, failures: TemplateFailure[], offset: number): Value | undefined {
  const state = { i: 0 };
  const v = expression(words, state, values, failures, offset);
  const extra = words[state.i];
  if (v !== undefined && extra !== undefined) {
    // Pipes, assignments and the like show up here, after a complete operand.
    const message = extra.kind === 'bad' ? `unsupported template construct "${extra.text}"` : 'unexpected word in template action (one value or one function call per action)';
    failures.push(new TemplateFailure(extra.offset, message, SUPPORTED));
    return undefined;
  }
  return v;
}

function expression(words: Word[], s: { i: number }, values: ReadonlyMap<string, string>, failures: TemplateFailure[], offset: number): Value | undefined {
  const head = words[s.i];
  if (head === undefined) {
    failures.push(new TemplateFailure(offset, 'empty template action', SUPPORTED));
    return undefined;
  }
  if (head.kind !== 'ident') {
    return operand(words, s, values, failures);
  }
  if (!FUNCTIONS.includes(head.name)) {
    failures.push(new TemplateFailure(head.offset, `unsupported template construct: "${head.name}" is not a supported function or value (quote text as "${head.name}"; values are .Values.NAME)`, SUPPORTED));
    return undefined;
  }
  s.i++;
  const args: Value[] = [];
  while (s.i < words.length && words[s.i]!.kind !== 'close') {
    const v = operand(words, s, values, failures);
    if (v === undefined) return undefined;
    args.push(v);
  }
  return call(head.name, args, head.offset, failures);
}

function operand(words: Word[], s: { i: number }, values: ReadonlyMap<string, string>, failures: TemplateFailure[]): Value | undefined {
  const w = words[s.i]!;
  s.i++;
  switch (w.kind) {
    case 'literal':
      return w.value;
    case 'value':
      return values.get(w.name) ?? '';
    case 'open': {
      const v = expression(words, s, values, failures, w.offset);
      if (v === undefined) return undefined;
      if (words[s.i]?.kind !== 'close') {
        failures.push(new TemplateFailure(w.offset, 'unclosed "(" in template action', SUPPORTED));
        return undefined;
      }
      s.i++;
      return v;
    }
    case 'ident':
      failures.push(new TemplateFailure(w.offset, `unsupported template construct: "${w.name}" is not a supported function or value (quote text as "${w.name}"; values are .Values.NAME)`, SUPPORTED));
      return undefined;
    case 'close':
      failures.push(new TemplateFailure(w.offset, 'unexpected ")" in template action', SUPPORTED));
      return undefined;
    default:
      failures.push(new TemplateFailure(w.offset, `unsupported template construct "${w.text}"`, SUPPORTED));
      return undefined;
  }
}

function call(name: string, args: Value[], offset: number, failures: TemplateFailure[]): Value | undefined {
  const arity = { eq: [2, Infinity], ne: [2, 2], not: [1, 1], and: [1, Infinity], or: [1, Infinity] }[name]!;
  if (args.length < arity[0]! || args.length > arity[1]!) {
    failures.push(new TemplateFailure(offset, `"${name}" takes ${arity[0] === arity[1] ? arity[0] : `at least ${arity[0]}`} argument(s), got ${args.length}`, SUPPORTED));
    return undefined;
  }
  switch (name) {
    case 'eq':
      return args.slice(1).some((a) => String(a) === String(args[0]));
    case 'ne':
      return String(args[0]) !== String(args[1]);
    case 'not':
      return !truthy(args[0]);
    case 'and':
      return args.find((a) => !truthy(a)) ?? args[args.length - 1]!;
    default:
      return args.find((a) => truthy(a)) ?? args[args.length - 1]!;
  }
}
