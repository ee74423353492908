import { fail, ok, type Parsed } from './result.js';

/**
 * Splits one shell-style string into words, as Rio's `shlex` mapper did for `command`/`args`:
 * whitespace separates, '...' is literal, "..." allows \" and \\, a backslash escapes outside quotes.
 * No expansion of any kind happens.
 */
export function shellSplit(input: string): Parsed<string[]> {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) return fail('unterminated single quote', 'balanced quotes');
      word += input.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < input.length && input[j] !== '"'; j++) {
        if (input[j] === '\\' && (input[j + 1] === '"' || input[j + 1] === '\\')) j++;
        word += input[j];
      }
      if (j >= input.length) return fail('unterminated double quote', 'balanced quotes');
      inWord = true;
      i = j;
    } else if (c === '\\' && i + 1 < input.length) {
      word += input[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return ok(words);
}
