import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, type Document } from 'yaml';
import { RiofileError, RiofileErrorCode, type RiofileIssue } from './errors.js';
import { blockScalarOffsets, looksLikeKubernetes, parseObjects, yamlMessage } from './kubernetes.js';
import { checkTextLimits, LimitCode, LIMITS } from './limits.js';
import { IssueCollector, lineCounterMapper, lineIndex, lineStarts, pathAtOffset, type OffsetMapper } from './locate.js';
import type { Riofile } from './model.js';
import { normalizeRiofile } from './normalize/riofile.js';
import { validateAgainstSchema } from './schema/validate.js';
import { expandTemplate } from './template/expand.js';
import { DUPLICATE_KEY_MESSAGE, keyProblems } from './yaml-keys.js';

export interface ParseOptions {
  /** Shown in errors. Default `Riofile`. */
  file?: string;
  /** Template answers (variable -> value). */
  answers?: Record<string, string>;
  /** Fills the NAMESPACE template variable. */
  namespace?: string;
  /** Fills the REVISION template variable (the commit). */
  revision?: string;
}

/**
 * Riofile text -> validated, normalized model. Throws `RiofileError` listing every problem found,
 * each located in `source` (also problems found after template expansion or normalization).
 * Nothing else escapes: an unexpected exception (Ria's bug, or a parser limit not yet known)
 * becomes a RiofileError coded RIOFILE_INTERNAL, so the environment shows it instead of the
 * reconcile failing without a word.
 */
export function parseRiofile(source: string, options: ParseOptions = {}): Riofile {
  const file = options.file ?? 'Riofile';
  try {
    return parseChecked(source, file, options);
  } catch (err) {
    if (err instanceof RiofileError) throw err;
    throw internalError(file, err);
  }
}

function internalError(file: string, err: unknown): RiofileError {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new RiofileError([{
    file, line: 1, column: 1, path: '(root)', kind: RiofileErrorCode.Internal, code: LimitCode.Internal,
    message: `Ria could not read this Riofile (${what.slice(0, 200)}); this is a bug in Ria, please report it with the file`,
  }]);
}

function parseChecked(source: string, file: string, options: ParseOptions): Riofile {
  const sourcePosition = lineCounterMapper(source);
  let unanswered: string[] = [];
  const fail = (issues: IssueCollector): never => {
    if (unanswered.length === 0) throw new RiofileError(issues.reported());
    const lines = source.split('\n');
    throw new RiofileError(issues.reported().map((i) => withAnswerHint(i, lines, unanswered)));
  };

  const early = new IssueCollector(file, undefined, sourcePosition);
  // A template's `${}` and `{{ }}` are not YAML: counted leniently here, strictly after expansion.
  const templated = /^template:/m.test(source);
  const limit = checkTextLimits(source, templated);
  if (limit) {
    early.addAt(limit.offset, [], limit.message, { kind: RiofileErrorCode.Limit, code: limit.code });
    fail(early);
  }

  const expanded = expandTemplate(source, options);
  if (expanded.failures.length > 0) {
    // Paths for template errors come from the unexpanded text, read leniently (it may not be valid
    // YAML yet), and only when that text is within the YAML budgets: it was checked as a template
    // (`{{` not counted as nesting), and 30k nested `{{ if }}` are 60k nested flow maps to YAML.
    const raw = checkTextLimits(source) ? undefined : parseDocument(source, { uniqueKeys: false });
    for (const f of expanded.failures) {
      early.addAt(f.offset, () => (raw ? pathAtOffset(raw, f.offset) : []), f.message, {
        kind: f.code ? RiofileErrorCode.Limit : RiofileErrorCode.Template, ...(f.expected ? { expected: f.expected } : {}), ...(f.code ? { code: f.code } : {}),
      });
    }
    fail(early);
  }
  const text = expanded.text;
  unanswered = expanded.unanswered;
  const toPosition: OffsetMapper = (offset) => sourcePosition(expanded.toSource(offset));
  const textIssues = new IssueCollector(file, undefined, toPosition);
  const expandedLimit = text === source && !templated ? undefined : checkTextLimits(text);
  if (expandedLimit) {
    const code = expandedLimit.code === LimitCode.TooLarge ? LimitCode.TemplateOutputTooLarge : expandedLimit.code;
    textIssues.addAt(expandedLimit.offset, [], `after template expansion: ${expandedLimit.message}`, { kind: RiofileErrorCode.Limit, code });
    fail(textIssues);
  }

  // logLevel: problems become issues below; nothing is printed to the console behind the caller's back.
  // uniqueKeys: false because yaml's check is quadratic; keyProblems finds duplicates in one pass.
  const docs = parseAllDocuments(text, { uniqueKeys: false, logLevel: 'error' });
  const list: Document[] = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const keys = keyProblems(doc);
    // Paths are found (a walk of the document each) only for the issues that are kept.
    for (const offset of keys.duplicateKeys) textIssues.addAt(offset, () => pathAtOffset(doc, offset), DUPLICATE_KEY_MESSAGE, { kind: RiofileErrorCode.Syntax });
    for (const offset of doc.errors.length === 0 ? keys.collectionKeys : []) {
      textIssues.addAt(offset, () => pathAtOffset(doc, offset), 'a key must be a plain value, not a list or map', { kind: RiofileErrorCode.Syntax, expected: 'a string key' });
    }
    for (const error of doc.errors) {
      const offset = firstNonSpace(text, error.pos[0]);
      textIssues.addAt(offset, () => pathAtOffset(doc, offset), yamlMessage(error.message), { kind: RiofileErrorCode.Syntax });
    }
  }
  if (textIssues.count > 0) fail(textIssues);

  if (looksLikeKubernetes(list)) {
    const objects = parseObjects(text, [], textIssues, (o) => o);
    if (textIssues.count > 0) fail(textIssues);
    return { format: 'plain-kubernetes', services: {}, configs: {}, routers: {}, externalServices: {}, kubernetesManifests: objects };
  }
  const withContent = list.filter((d) => d.contents !== null);
  if (withContent.length > 1) {
    textIssues.addAt(withContent[1]!.contents?.range?.[0] ?? 0, [], 'a Riofile is a single YAML document; found a second one', { expected: 'one document (or only Kubernetes objects)' });
    fail(textIssues);
  }
  const doc = withContent[0] ?? list[0] ?? parseDocument('{}');
  const issues = new IssueCollector(file, doc, toPosition);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount }) ?? {};
  } catch {
    issues.addAt(0, [], `too many YAML aliases (more than ${LIMITS.maxAliasCount}): refusing a possible alias bomb`, { kind: RiofileErrorCode.Limit, code: LimitCode.TooManyAliases });
    fail(issues);
  }
  // A value emptied by an unanswered ${VAR} stays null, so the error lands on that line, not on its parent.
  const keep = unanswered.length > 0 ? templatedNulls(doc, linesMentioning(source, unanswered, expanded.toSource)) : new Set<string>();
  data = dropNulls(data, [], keep);
  const services = (data as { services?: unknown }).services;
  if (services && typeof services === 'object' && Object.keys(services).length > LIMITS.maxServices) {
    issues.add(['services'], `${Object.keys(services).length} services; the limit is ${LIMITS.maxServices}`, { on: 'key', kind: RiofileErrorCode.Limit, code: LimitCode.TooManyServices });
    fail(issues);
  }
  const failed = validateAgainstSchema(data, issues);
  if (failed.some((path) => path.length === 0)) fail(issues);

  const manifestNode = isMap(doc.contents) ? doc.getIn(['kubernetes', 'manifest'], true) : undefined;
  // Entries that passed the schema are normalized even when others failed: one run shows every mistake.
  const model = normalizeRiofile(withoutFailed(data as Record<string, unknown>, failed), issues, blockScalarOffsets(text, manifestNode));
  if (issues.count > 0) fail(issues);
  return model;
}

const ENTRY_SECTIONS = new Set(['services', 'routers', 'externalservices', 'externalServices', 'external_services']);

/**
 * Drops the entries (services.x, routers.y...) or top-level sections that failed the schema.
 * Each section is copied once, however many of its entries failed: a Riofile with tens of
 * thousands of bad entries must not cost (failed paths x entries) and block the event loop.
 */
export function withoutFailed(data: Record<string, unknown>, failed: readonly (readonly (string | number)[])[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  const dropEntries = new Map<string, Set<string>>();
  const dropSections = new Set<string>();
  for (const [section, entry] of failed) {
    if (typeof section !== 'string' || !(section in out)) continue;
    if (ENTRY_SECTIONS.has(section) && typeof entry === 'string' && out[section] && typeof out[section] === 'object') {
      const entries = dropEntries.get(section) ?? new Set<string>();
      entries.add(entry);
      dropEntries.set(section, entries);
    } else dropSections.add(section);
  }
  for (const [section, entries] of dropEntries) {
    if (dropSections.has(section)) continue;
    const copy = { ...(out[section] as Record<string, unknown>) };
    for (const entry of entries) delete copy[entry];
    out[section] = copy;
  }
  for (const section of dropSections) delete out[section];
  return out;
}

/** `yaml` reports indentation errors at the start of the line; the user's mistake is where the text starts. */
function firstNonSpace(text: string, offset: number): number {
  let i = offset;
  while (text[i] === ' ') i++;
  return text[i] === '\n' || i >= text.length ? offset : i;
}

/** A key with no value means "not set" (Go's zero value in Rio), so `nodeAffinity:` alone is accepted. */
function dropNulls(value: unknown, path: (string | number)[], keep: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v, i) => dropNulls(v, [...path, i], keep));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if ((v !== null && v !== undefined) || keep.has(pathKey([...path, k]))) out[k] = v === undefined ? null : dropNulls(v, [...path, k], keep);
    }
    return out;
  }
  return value;
}

const pathKey = (path: readonly (string | number)[]) => path.join('\u0000');

/** Paths of map values that are null and sit on a line for which `templated(offset)` holds. */
function templatedNulls(doc: Document, templated: (offset: number) => boolean): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        const value = pair.value;
        if ((value === null || (isScalar(value) && value.value === null)) && isScalar(pair.key) && pair.key.range && templated(pair.key.range[0])) out.add(pathKey([...path, key]));
        else walk(value, [...path, key]);
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
  };
  walk(doc.contents, []);
  return out;
}

/**
 * `offset` (in the expanded text) -> does the source line it comes from mention one of `variables`?
 * Each line is read once, however many null values sit on it: a one-line flow map of 20,000
 * `k: ${X}` read its 270 KB line once per key (quadratic; 3.8 s).
 */
function linesMentioning(source: string, variables: readonly string[], toSource: (offset: number) => number): (offset: number) => boolean {
  const names = new Set(variables);
  const starts = lineStarts(source);
  const known = new Map<number, boolean>();
  return (offset) => {
    const lo = lineIndex(starts, toSource(offset));
    let mentions = known.get(lo);
    if (mentions === undefined) {
      const line = source.slice(starts[lo], lo + 1 < starts.length ? starts[lo + 1]! - 1 : source.length);
      mentions = mentioned(line, names, 1).length > 0;
      known.set(lo, mentions);
    }
    return mentions;
  };
}

/** Errors on a line whose `${VAR}` had no answer say so: the empty value is rarely what was meant. */
function withAnswerHint(issue: RiofileIssue, lines: readonly string[], unanswered: readonly string[]): RiofileIssue {
  const missing = mentioned(lines[issue.line - 1] ?? '', new Set(unanswered));
  return missing.length === 0 ? issue : { ...issue, message: `${issue.message} (${missing.map((v) => `\${${v}}`).join(', ')} had no answer)` };
}

/** The `${NAME}`s of `names` that `line` holds (at most `max`), in one pass over it (not one pass per name). */
function mentioned(line: string, names: ReadonlySet<string>, max = 5): string[] {
  const out = new Set<string>();
  for (let i = line.indexOf('${'); i >= 0 && out.size < max; i = line.indexOf('${', i + 2)) {
    let end = i + 2;
    while (end < line.length && /[A-Za-z0-9_]/.test(line[end]!)) end++;
    if (line[end] !== '}') continue;
    const name = line.slice(i + 2, end);
    if (names.has(name)) out.add(name);
  }
  return [...out];
}
