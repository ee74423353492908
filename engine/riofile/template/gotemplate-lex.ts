import { TemplateFailure } from './source-map.js';

/** Text to copy, or one `{{ ... }}` action; offsets are in the template text. */
export type Token = { kind: 'text'; start: number; end: number } | { kind: 'action'; body: string; offset: number; bodyOffset: number };

/**
 * Splits a Go template into text and actions, applying the `{{-` / `-}}` trim markers to the
 * neighbouring text (Go trims all whitespace, newlines included, on that side).
 */
export function lexTemplate(text: string, failures: TemplateFailure[]): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    if (open < 0) {
      tokens.push({ kind: 'text', start: pos, end: text.length });
      return tokens;
    }
    const close = findClose(text, open + 2);
    if (close < 0) {
      failures.push(new TemplateFailure(open, 'unclosed action: "{{" without "}}"', '{{ ... }}'));
      tokens.push({ kind: 'text', start: pos, end: open });
      return tokens;
    }
    const trimLeft = /^\{\{-[ \t\r\n]/.test(text.slice(open, open + 4));
    const trimRight = close - 2 >= open + 2 && text[close - 1] === '-' && /[ \t\r\n]/.test(text[close - 2]!);
    let textEnd = open;
    if (trimLeft) while (textEnd > pos && /[ \t\r\n]/.test(text[textEnd - 1]!)) textEnd--;
    tokens.push({ kind: 'text', start: pos, end: textEnd });
    const bodyStart = open + 2 + (trimLeft ? 1 : 0);
    const bodyEnd = close - (trimRight ? 1 : 0);
    const raw = text.slice(bodyStart, bodyEnd);
    const lead = raw.length - raw.trimStart().length;
    tokens.push({ kind: 'action', body: raw.trim(), offset: open, bodyOffset: bodyStart + lead });
    pos = close + 2;
    if (trimRight) while (pos < text.length && /[ \t\r\n]/.test(text[pos]!)) pos++;
  }
}

/** The offset of the `}}` closing an action, skipping quoted strings (which may contain `}}`). */
function findClose(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

/** One word of an action: `(`, `)`, a string, a number, `.Values.X`, an identifier, or something unsupported. */
export type Word =
  | { kind: 'open' | 'close'; offset: number }
  | { kind: 'literal'; value: string | number | boolean; offset: number }
  | { kind: 'value'; name: string; offset: number }
  | { kind: 'ident'; name: string; offset: number }
  | { kind: 'bad'; text: string; offset: number };

export function lexAction(body: string, base: number): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    const offset = base + i;
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')') {
      words.push({ kind: c === '(' ? 'open' : 'close', offset });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < body.length && body[j] !== '"'; j++) if (body[j] === '\\') j++;
      const lit = body.slice(i, j + 1);
      let value: string;
      try {
        value = JSON.parse(lit) as string;
      } catch {
        words.push({ kind: 'bad', text: lit, offset });
        i = j + 1;
        continue;
      }
      words.push({ kind: 'literal', value, offset });
      i = j + 1;
    } else if (c === '`') {
      const j = body.indexOf('`', i + 1);
      words.push({ kind: 'literal', value: body.slice(i + 1, j), offset });
      i = j + 1;
    } else {
      const m = /^[^\s()]+/.exec(body.slice(i))!;
      const text = m[0];
      const values = /^\.Values\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
      if (values) words.push({ kind: 'value', name: values[1]!, offset });
      else if (/^-?\d+(\.\d+)?$/.test(text)) words.push({ kind: 'literal', value: Number(text), offset });
      else if (text === 'true' || text === 'false') words.push({ kind: 'literal', value: text === 'true', offset });
      else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) words.push({ kind: 'ident', name: text, offset });
      else words.push({ kind: 'bad', text, offset });
      i += text.length;
    }
  }
  return words;
}
