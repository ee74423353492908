import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { TemplateFailure } from './source-map.js';
import { DUPLICATE_KEY_MESSAGE, keyProblems } from '../yaml-keys.js';

/** A question as written, with the source offset of its entry (for "missing answer" errors). */
export interface RawQuestion {
  variable: string;
  offset: number;
  fields: Record<string, unknown>;
}

export interface TemplateMeta {
  goTemplate: boolean;
  envSubst: boolean;
  questions: RawQuestion[];
}

/**
 * Reads `template:` before anything is expanded, the way Rio did: from the line that starts with
 * `template:` to the next top-level key. It must be plain YAML (it decides how the rest is read).
 * No such line means the file is not templated at all, so `${...}` in it stays literal.
 */
export function readTemplateSection(source: string, failures: TemplateFailure[]): TemplateMeta | undefined {
  const match = /^template:/m.exec(source);
  if (!match) return undefined;
  const start = match.index;
  const bodyStart = source.indexOf('\n', start) < 0 ? source.length : source.indexOf('\n', start) + 1;
  const next = /^[^\s#-]|^---/m.exec(source.slice(bodyStart));
  const end = next ? bodyStart + next.index : source.length;
  const section = source.slice(start, end);
  // uniqueKeys: false because yaml's check is quadratic; keyProblems finds duplicates in one pass.
  const doc = parseDocument(section, { uniqueKeys: false });
  const duplicate = keyProblems(doc).duplicateKeys[0];
  if (doc.errors.length > 0 || duplicate !== undefined) {
    const [offset, message] = doc.errors.length > 0 ? [doc.errors[0]!.pos[0] ?? 0, doc.errors[0]!.message] : [duplicate!, DUPLICATE_KEY_MESSAGE];
    failures.push(new TemplateFailure(start + offset, `the template: section must be plain YAML: ${message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`));
    return undefined;
  }
  const root = doc.get('template', true) as Node | null | undefined;
  const meta: TemplateMeta = { goTemplate: false, envSubst: false, questions: [] };
  if (!isMap(root)) return meta;
  meta.goTemplate = root.get('goTemplate') === true || root.get('go_template') === true;
  meta.envSubst = root.get('envSubst') === true || root.get('env_subst') === true;
  const questions = root.get('questions', true);
  if (isSeq(questions)) {
    for (const item of questions.items) {
      if (!isMap(item)) continue;
      const fields = (item.toJSON() ?? {}) as Record<string, unknown>;
      const variable = item.get('variable', true);
      if (!isScalar(variable) || typeof variable.value !== 'string') continue; // the schema reports it later, located
      meta.questions.push({ variable: variable.value, offset: start + ((item as Node).range?.[0] ?? 0), fields });
    }
  }
  return meta;
}
