import { isAlias, isMap, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';
import { RiofileErrorCode, type RiofileIssue } from './errors.js';
import { LIMITS } from './limits.js';
import { describeValue, formatPath, type Path } from './path.js';

export interface Position {
  line: number;
  column: number;
}

/** Turns an offset in the text that was parsed into a line/column of the file the user wrote. */
export type OffsetMapper = (offset: number) => Position;

/**
 * A value computed only when the issue is kept: locating a problem (finding the path at an offset,
 * mapping an offset through an embedded manifest) costs a walk, and a hostile file can have tens
 * of thousands of problems of which only the first LIMITS.maxIssues are located.
 */
export type Lazy<T> = T | (() => T);
const force = <T>(value: Lazy<T>): T => (typeof value === 'function' ? (value as () => T)() : value);

/** Longest message kept whole; a longer one keeps its start and end (a value quoted in it can be up to 1 MiB). */
const MAX_MESSAGE = 400;
export function shortenMessage(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, 240)}...${message.slice(-150)}`;
}

/** Maps offsets of an untemplated text (the common case) through the `yaml` LineCounter. */
export function lineCounterMapper(text: string): OffsetMapper {
  const counter = new LineCounter();
  let start = 0;
  counter.addNewLine(0);
  for (;;) {
    const next = text.indexOf('\n', start);
    if (next < 0) break;
    counter.addNewLine(next + 1);
    start = next + 1;
  }
  return (offset) => {
    const { line, col } = counter.linePos(offset);
    return { line, column: col };
  };
}

/** Offsets at which the lines of `text` start (the first is 0). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The index of the line of `starts` (from lineStarts) holding `offset`: a binary search. */
export function lineIndex(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface IssueDetails {
  found?: string;
  expected?: string;
  /** Point at the key rather than the value (unknown or misplaced keys). */
  on?: 'key' | 'value';
  kind?: RiofileErrorCode;
  /** A searchable code for this exact problem (see RiofileIssue.code). */
  code?: string;
}

/**
 * Collects located issues. Errors found after normalization still carry the raw path (the keys the
 * user wrote), so the YAML node, and from it the source position, can always be found again.
 */
export class IssueCollector {
  readonly issues: RiofileIssue[] = [];

  constructor(
    readonly file: string,
    private readonly doc: Document | undefined,
    private readonly toPosition: OffsetMapper,
  ) {}

  /** Problems past {@link LIMITS.maxIssues}: counted only, so a file full of mistakes stays cheap to check. */
  private omitted = 0;

  add(path: Path, message: string, details: IssueDetails = {}): void {
    if (this.full()) {
      this.omitted++;
      return;
    }
    const offset = this.doc ? nodeOffset(this.doc, path, details.on ?? 'value') : 0;
    this.addAt(offset, path, message, details);
  }

  /**
   * For problems found in text rather than in a node (YAML syntax, template, embedded manifests).
   * `offset` and `path` may be functions: they are called only for an issue that is kept.
   */
  addAt(offset: Lazy<number>, path: Lazy<Path>, message: string, details: IssueDetails = {}): void {
    if (this.full()) {
      this.omitted++;
      return;
    }
    const { line, column } = this.toPosition(force(offset));
    const issue: RiofileIssue = { file: this.file, line, column, path: formatPath(force(path)), message: shortenMessage(message), kind: details.kind ?? RiofileErrorCode.Invalid };
    if (details.found !== undefined) issue.found = shortenMessage(details.found);
    if (details.expected !== undefined) issue.expected = shortenMessage(details.expected);
    if (details.code !== undefined) issue.code = details.code;
    this.issues.push(issue);
  }

  /** Shorthand for the most common shape: a value of the wrong form. */
  invalid(path: Path, message: string, value: unknown, expected: string): void {
    this.add(path, message, { found: describeValue(value), expected });
  }

  get count(): number {
    return this.issues.length + this.omitted;
  }

  /**
   * False once LIMITS.maxIssues are located: a caller with a costly message to build (a "did you
   * mean", a parser's explanation) checks this first and calls {@link omit} instead.
   */
  get accepting(): boolean {
    return !this.full();
  }

  /** Counts a problem that is not located (past the budget). */
  omit(): void {
    this.omitted++;
  }

  /** The issues to report: the located ones, then one saying how many more were found. */
  reported(): RiofileIssue[] {
    if (this.omitted === 0) return this.issues;
    // Placed after the last located issue, so it sorts last.
    const line = Math.max(...this.issues.map((i) => i.line));
    const column = Math.max(...this.issues.filter((i) => i.line === line).map((i) => i.column)) + 1;
    const note: RiofileIssue = { file: this.file, line, column, path: '', kind: this.issues[0]!.kind,
      message: `and ${this.omitted} more problems, not listed: only the first ${LIMITS.maxIssues} are reported` };
    return [...this.issues, note];
  }

  private full(): boolean {
    return this.issues.length >= LIMITS.maxIssues;
  }
}

/**
 * The offset of the node at `path`, or of its nearest existing ancestor (a path can name a key
 * that is missing, or one produced by a YAML merge key).
 */
export function nodeOffset(doc: Document, path: Path, on: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  let best = rangeStart(node) ?? 0;
  for (const part of path) {
    node = resolve(doc, node);
    keyNode = undefined;
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => keyString(p.key) === String(part));
      if (!pair) break;
      keyNode = pair.key;
      next = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      next = node.items[part];
      if (next === undefined) break;
    } else break;
    best = (on === 'key' || rangeStart(next) === undefined ? rangeStart(keyNode) : rangeStart(next)) ?? rangeStart(next) ?? best;
    node = next;
  }
  return best;
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}

/** The path of the innermost node whose range holds `offset` (for errors found in text, such as YAML syntax errors). */
export function pathAtOffset(doc: Document, offset: number): Path {
  const path: (string | number)[] = [];
  let node: unknown = doc.contents;
  for (let guard = 0; guard < 1000; guard++) {
    let next: unknown;
    if (isMap(node)) {
      for (const pair of node.items as Pair[]) {
        const start = rangeStart(pair.key);
        const end = rangeEnd(pair.value) ?? rangeEnd(pair.key);
        const key = keyString(pair.key);
        if (key !== undefined && start !== undefined && end !== undefined && offset >= start && offset <= end) {
          path.push(key);
          next = pair.value;
          break;
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const start = rangeStart(item);
        const end = rangeEnd(item);
        if (next === undefined && start !== undefined && end !== undefined && offset >= start && offset <= end) {
          path.push(i);
          next = item;
        }
      });
    }
    if (next === undefined) break;
    node = next;
  }
  return path;
}

function rangeEnd(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[2] : undefined;
}
