import { OutputBuilder, TemplateFailure, type OffsetMap } from './source-map.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Bash-style substitution as Rio's `envSubst: true` did it: `${VAR}`, `${VAR:-default}` (unset or
 * empty) and `${VAR-default}` (unset). `$${` writes a literal `${`. Bare `$VAR` is left alone: in
 * Riofiles it appears in comments and shell snippets far more often than as a variable. Other
 * bash forms (`${#VAR}`, `${VAR/x/y}`...) are refused rather than passed through half-expanded.
 * An unanswered variable without a default becomes empty, as in Rio. Throws OutputTooLarge past
 * `maxOutput` characters.
 */
export function envSubst(text: string, values: ReadonlyMap<string, string>, failures: TemplateFailure[], maxOutput = Infinity): { text: string; map: OffsetMap; unanswered: Set<string> } {
  const out = new OutputBuilder(text, maxOutput);
  /** Variables that became empty for want of an answer or default: named in later errors. */
  const unanswered = new Set<string>();
  let copied = 0;
  let i = text.indexOf('$');
  while (i >= 0) {
    if (text.startsWith('$${', i)) {
      out.copy(copied, i);
      copied = i + 1; // drop one "$"
      i = text.indexOf('$', i + 3);
      continue;
    }
    if (text[i + 1] !== '{') {
      i = text.indexOf('$', i + 1);
      continue;
    }
    const close = text.indexOf('}', i + 2);
    const newline = text.indexOf('\n', i + 2);
    if (close < 0 || (newline >= 0 && newline < close)) {
      failures.push(new TemplateFailure(i, 'unterminated "${" (no "}" on the same line)', '${VAR} or ${VAR:-default}'));
      i = text.indexOf('$', i + 2);
      continue;
    }
    const body = text.slice(i + 2, close);
    const m = /^([^:\-]*)(:-|-)?([\s\S]*)$/.exec(body)!;
    const name = m[1]!;
    const op = m[2];
    const fallback = m[3] ?? '';
    if (!NAME.test(name) || (op === undefined && fallback !== '') || fallback.includes('${')) {
      failures.push(new TemplateFailure(i, `unsupported substitution "\${${body}}"`, '${VAR}, ${VAR:-default} or ${VAR-default}'));
    } else {
      const value = values.get(name);
      if (value === undefined && op === undefined) unanswered.add(name);
      const replacement = op === ':-' ? (value === undefined || value === '' ? fallback : value) : op === '-' ? (value ?? fallback) : (value ?? '');
      out.copy(copied, i);
      out.emit(replacement, i);
      copied = close + 1;
    }
    i = text.indexOf('$', close + 1);
  }
  out.copy(copied, text.length);
  return { text: out.text, map: out.map(), unanswered };
}
