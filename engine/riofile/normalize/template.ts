import type { Question, QuestionType, Template } from '../model.js';
import type { IssueCollector } from '../locate.js';
import type { Path } from '../path.js';
import { boolOf, fieldsOf, items, numberOf, setIf, stringOf } from './fields.js';

/** The `template:` section for the model (it was already applied by the expander). */
export function normalizeTemplate(raw: unknown, path: Path, issues: IssueCollector): Template {
  const f = fieldsOf(raw, 'template', path, issues);
  return {
    goTemplate: boolOf(f.get('goTemplate'), false),
    envSubst: boolOf(f.get('envSubst'), false),
    questions: items(f.get('questions')).map(({ value, path: p }) => {
      const q = fieldsOf(value, 'question', p, issues);
      const type = stringOf(q.get('type')) ?? 'string';
      const question: Question = {
        variable: String(q.get('variable')!.value),
        type: (type === 'boolean' ? 'bool' : type) as QuestionType,
        required: boolOf(q.get('required'), false),
        options: items(q.get('options')).map((o) => String(o.value)),
      };
      setIf(question, 'label', stringOf(q.get('label')));
      setIf(question, 'description', stringOf(q.get('description')));
      setIf(question, 'default', stringOf(q.get('default')));
      for (const key of ['min', 'max', 'minLength', 'maxLength'] as const) setIf(question, key, numberOf(q.get(key)));
      return question;
    }),
  };
}
