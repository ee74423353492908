import { resolveAnswers } from './answers.js';
import { envSubst } from './envsubst.js';
import { goTemplate } from './gotemplate.js';
import { readTemplateSection } from './section.js';
import { compose, identityMap, OutputTooLarge, TemplateFailure, type OffsetMap } from './source-map.js';
import { LimitCode, LIMITS } from '../limits.js';

export interface ExpandOptions {
  answers?: Readonly<Record<string, string>>;
  namespace?: string;
  revision?: string;
}

export interface Expanded {
  text: string;
  /** Offset in `text` -> offset in the source the user wrote. */
  toSource: OffsetMap;
  failures: TemplateFailure[];
  /** `${VAR}`s that had no answer and no default (Rio made them empty; so do we, and say so in errors). */
  unanswered: string[];
}

/**
 * Expands a Riofile's template before it is read as YAML, in Rio's order: the `template:` section
 * is read first, then `${VAR}` substitution (envSubst), then Go-template actions (goTemplate).
 * Failures carry source offsets. Each step stops as soon as its output passes
 * LIMITS.maxTemplateOutputBytes, reported at the action that crossed it.
 */
export function expandTemplate(source: string, options: ExpandOptions): Expanded {
  const failures: TemplateFailure[] = [];
  const meta = readTemplateSection(source, failures);
  if (!meta || (!meta.envSubst && !meta.goTemplate)) return { text: source, toSource: identityMap, failures, unanswered: [] };
  const values = resolveAnswers(meta.questions, options.answers ?? {}, { NAMESPACE: options.namespace, REVISION: options.revision }, failures);
  if (failures.length > 0) return { text: source, toSource: identityMap, failures, unanswered: [] };

  let text = source;
  let toSource: OffsetMap = identityMap;
  let unanswered: string[] = [];
  const max = LIMITS.maxTemplateOutputBytes;
  if (meta.envSubst) {
    const sub: TemplateFailure[] = [];
    let result: ReturnType<typeof envSubst>;
    try {
      result = envSubst(text, values, sub, max);
    } catch (err) {
      if (!(err instanceof OutputTooLarge)) throw err;
      return { text: source, toSource: identityMap, failures: [tooLarge(err.sourceOffset)], unanswered: [] };
    }
    failures.push(...sub);
    text = result.text;
    toSource = result.map;
    unanswered = [...result.unanswered];
  }
  if (meta.goTemplate && failures.length === 0) {
    const sub: TemplateFailure[] = [];
    // goTemplate offsets are in the envSubst output; map them to the source.
    const inner = toSource;
    let result: ReturnType<typeof goTemplate>;
    try {
      result = goTemplate(text, values, sub, max);
    } catch (err) {
      if (!(err instanceof OutputTooLarge)) throw err;
      return { text: source, toSource: identityMap, failures: [tooLarge(inner(err.sourceOffset))], unanswered: [] };
    }
    failures.push(...sub.map((f) => new TemplateFailure(inner(f.offset), f.message, f.expected, f.code)));
    text = result.text;
    toSource = compose(inner, result.map);
  }
  return { text, toSource, failures, unanswered };
}

function tooLarge(offset: number): TemplateFailure {
  return new TemplateFailure(offset, `template output passes ${LIMITS.maxTemplateOutputBytes} bytes (1 MiB) here: a large value (an answer, a default) used many times multiplies the file`,
    'an expanded Riofile of at most 1 MiB', LimitCode.TemplateOutputTooLarge);
}
