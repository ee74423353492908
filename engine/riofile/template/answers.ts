import type { RawQuestion } from './section.js';
import { TemplateFailure } from './source-map.js';

/** Variables Ria fills in itself; an answer for them is overridden, as the engine knows better. */
export const BUILTIN_VARIABLES = ['NAMESPACE', 'REVISION'] as const;

/**
 * The values templates see: the caller's answers, then question defaults, then the built-ins.
 * Each question's constraints are enforced here, before expansion, so a bad answer is reported at
 * the question rather than as a confusing error wherever the value lands.
 */
export function resolveAnswers(
  questions: RawQuestion[],
  answers: Readonly<Record<string, string>>,
  builtins: Readonly<Record<string, string | undefined>>,
  failures: TemplateFailure[],
): Map<string, string> {
  const values = new Map<string, string>(Object.entries(answers));
  for (const [name, value] of Object.entries(builtins)) if (value !== undefined) values.set(name, value);
  for (const q of questions) {
    const given = values.get(q.variable);
    const fallback = q.fields.default;
    const value = given ?? (fallback === undefined || fallback === null ? undefined : String(fallback));
    if (value === undefined || value === '') {
      if (q.fields.required === true) {
        failures.push(new TemplateFailure(q.offset, `question ${q.variable} is required but has no answer`, `an answer for ${q.variable} (ria validate --set ${q.variable}=VALUE)`));
      }
      continue;
    }
    const problem = checkAnswer(q.fields, value);
    if (problem) failures.push(new TemplateFailure(q.offset, `answer ${JSON.stringify(value)} for ${q.variable} ${problem.message}`, problem.expected));
    else values.set(q.variable, value);
  }
  return values;
}

function checkAnswer(q: Record<string, unknown>, value: string): { message: string; expected: string } | undefined {
  const type = (q.type as string | undefined) ?? 'string';
  const num = (k: string) => (typeof q[k] === 'number' ? (q[k] as number) : undefined);
  if (type === 'int') {
    if (!/^-?\d+$/.test(value)) return { message: 'is not a whole number', expected: 'a whole number' };
    const n = Number(value);
    const [min, max] = [num('min'), num('max')];
    if (min !== undefined && n < min) return { message: `is below the minimum ${min}`, expected: `at least ${min}` };
    if (max !== undefined && n > max) return { message: `is above the maximum ${max}`, expected: `at most ${max}` };
  }
  if ((type === 'bool' || type === 'boolean') && value !== 'true' && value !== 'false') return { message: 'is not true or false', expected: 'true or false' };
  const options = Array.isArray(q.options) ? q.options.map(String) : [];
  if ((type === 'enum' || options.length > 0) && options.length > 0 && !options.includes(value)) return { message: 'is not one of the options', expected: `one of ${options.join(', ')}` };
  const [minLength, maxLength] = [num('minLength'), num('maxLength')];
  if (minLength !== undefined && value.length < minLength) return { message: `is shorter than ${minLength} characters`, expected: `at least ${minLength} characters` };
  if (maxLength !== undefined && value.length > maxLength) return { message: `is longer than ${maxLength} characters`, expected: `at most ${maxLength} characters` };
  if (typeof q.validChars === 'string') {
    const bad = [...value].find((c) => !(q.validChars as string).includes(c));
    if (bad !== undefined) return { message: `contains ${JSON.stringify(bad)}`, expected: `only characters from ${JSON.stringify(q.validChars)}` };
  }
  if (typeof q.invalidChars === 'string') {
    const bad = [...value].find((c) => (q.invalidChars as string).includes(c));
    if (bad !== undefined) return { message: `contains ${JSON.stringify(bad)}`, expected: `none of ${JSON.stringify(q.invalidChars)}` };
  }
  return undefined;
}
