import { RiaError } from '../errors.js';

/** Why a Riofile was refused; also the `code` of the `RiofileError` (the first issue's kind wins). */
export const RiofileErrorCode = {
  /** The YAML itself does not parse (bad indentation, duplicate key...). */
  Syntax: 'RiofileSyntax',
  /** `template:` could not be expanded (unsupported construct, missing or bad answer). */
  Template: 'RiofileTemplate',
  /** Parsed, but not a valid Riofile (unknown key, wrong type, bad port string...). */
  Invalid: 'RiofileInvalid',
  /** Over a size, nesting, alias or count limit. */
  Limit: 'RiofileLimit',
  /** Valid, but asks for what the app's `allow:` in the config repository does not grant. */
  Policy: 'PolicyDenied',
  /** Reading the file failed in a way Ria did not foresee (a bug): reported, never thrown raw. */
  Internal: 'RiofileInternal',
} as const;
export type RiofileErrorCode = (typeof RiofileErrorCode)[keyof typeof RiofileErrorCode];

/** One located problem. `line` and `column` are 1-based and point into the file as the user wrote it. */
export interface RiofileIssue {
  file: string;
  line: number;
  column: number;
  /** Where in the document, e.g. `services.web.ports[1]`; `(root)` for the whole file. */
  path: string;
  /** What is wrong, for a person; does not repeat file, line or path. */
  message: string;
  /** What was there, rendered short (`"80:abc"`, `a list`). */
  found?: string;
  /** What would have been accepted. */
  expected?: string;
  kind: RiofileErrorCode;
  /**
   * A stable, searchable name for this exact problem (`RIOFILE_TOO_LARGE`), set where the kind
   * alone does not tell users what to look up: budgets and internal errors. Listed in README.md.
   */
  code?: string;
}

/**
 * A Riofile that cannot be used. One object serves the CLI (`format()`), the engine's status
 * conditions (`code`, `issues`) and commit statuses (`summary()`, at most 140 characters).
 */
export class RiofileError extends RiaError {
  readonly issues: RiofileIssue[];

  constructor(issues: RiofileIssue[]) {
    if (issues.length === 0) throw new Error('RiofileError needs at least one issue');
    const sorted = sortIssues(issues);
    const first = sorted[0]!;
    super(first.kind, `${formatIssue(first)}${sorted.length > 1 ? ` (and ${sorted.length - 1} more)` : ''}`, {
      file: first.file,
      issues: sorted,
    });
    this.issues = sorted;
  }

  /** One line per issue: `FILE:LINE:COL: PATH: message (found X; expected Y)`. */
  format(): string {
    return this.issues.map(formatIssue).join('\n');
  }

  /** At most 140 characters: where the first problem is and how many there are (commit status descriptions). */
  summary(max = 140): string {
    const first = this.issues[0]!;
    const more = this.issues.length > 1 ? ` (+${this.issues.length - 1} more)` : '';
    const head = `${basename(first.file)}:${first.line}: ${first.path}: ${first.message}`;
    // The code survives truncation: it is what users search for.
    const code = first.code ? ` [${first.code}]` : '';
    return truncate(head, max - more.length - code.length) + code + more;
  }
}

export function formatIssue(issue: RiofileIssue): string {
  // found/expected are added unless the message already says them (`unknown key "x"; did you mean "y"?`).
  const says = (text: string) => issue.message.includes(text) || issue.message.includes(JSON.stringify(text));
  const detail = [
    issue.found !== undefined && !says(issue.found) ? `found ${issue.found}` : '',
    issue.expected !== undefined && !says(issue.expected) ? `expected ${issue.expected}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.path}: ${issue.message}${detail ? ` (${detail})` : ''}${issue.code ? ` [${issue.code}]` : ''}`;
}

/** Stable order: by position, then path, so output and tests do not depend on discovery order. */
export function sortIssues(issues: RiofileIssue[]): RiofileIssue[] {
  const seen = new Set<string>();
  const unique = issues.filter((i) => {
    const key = `${i.line}:${i.column}:${i.path}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max - 1)) + '…';
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}
