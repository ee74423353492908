import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { envSubst } from '../../../engine/riofile/template/envsubst.js';
import { goTemplate } from '../../../engine/riofile/template/gotemplate.js';
import type { TemplateFailure } from '../../../engine/riofile/template/source-map.js';
import { issuesOf, oneIssue } from './helpers.js';

const values = (o: Record<string, string>) => new Map(Object.entries(o));

function subst(text: string, v: Record<string, string> = {}): string {
  const failures: TemplateFailure[] = [];
  const out = envSubst(text, values(v), failures);
  assert.deepEqual(failures.map((f) => f.message), []);
  return out.text;
}

function render(text: string, v: Record<string, string> = {}): string {
  const failures: TemplateFailure[] = [];
  const out = goTemplate(text, values(v), failures);
  assert.deepEqual(failures.map((f) => f.message), []);
  return out.text;
}

function templateError(text: string, v: Record<string, string> = {}): { offset: number; message: string } {
  const failures: TemplateFailure[] = [];
  goTemplate(text, values(v), failures);
  assert.equal(failures.length, 1, failures.map((f) => f.message).join('\n'));
  return { offset: failures[0]!.offset, message: failures[0]!.message };
}

test('envSubst: ${VAR}, ${VAR:-default}, ${VAR-default}, $${ escape, bare $VAR untouched', () => {
  assert.equal(subst('a=${A} b=${B}', { A: '1' }), 'a=1 b=');
  assert.equal(subst('${A:-x} ${B:-y} ${C:-z}', { A: '1', B: '' }), '1 y z');
  assert.equal(subst('${A-x} ${B-y}', { B: '' }), 'x ');
  assert.equal(subst('keep $${A} and $HOME and $$(VAR)', { A: '1' }), 'keep ${A} and $HOME and $$(VAR)');
});

test('envSubst: unsupported bash forms are refused with their position', () => {
  const failures: TemplateFailure[] = [];
  envSubst('x: ${#A}\ny: ${A/b/c}\nz: ${A', values({}), failures);
  assert.deepEqual(failures.map((f) => [f.offset, f.message]), [
    [3, 'unsupported substitution "${#A}"'],
    [12, 'unsupported substitution "${A/b/c}"'],
    [24, 'unterminated "${" (no "}" on the same line)'],
  ]);
});

test('goTemplate: values, if / else if / else, comparisons and trim markers', () => {
  assert.equal(render('v={{ .Values.A }} w={{.Values.MISSING}}', { A: 'x' }), 'v=x w=');
  const t = '{{ if eq .Values.ENV "prod" }}p{{ else if (or (eq .Values.ENV "stage") (eq .Values.ENV "qa")) }}s{{ else }}d{{ end }}';
  assert.deepEqual(['prod', 'qa', 'dev'].map((ENV) => render(t, { ENV })), ['p', 's', 'd']);
  assert.equal(render('{{ if and .Values.A (not .Values.B) }}yes{{ end }}', { A: '1' }), 'yes');
  assert.equal(render('{{ if ne .Values.A "1" }}no{{ end }}', { A: '1' }), '');
  assert.equal(render('{{ if eq .Values.A "x" "y" "z" }}any{{ end }}', { A: 'z' }), 'any');
  assert.equal(render('args:\n- a\n{{- if .Values.DEBUG }}\n- --debug\n{{- end }}\n- b\n', { DEBUG: 'true' }), 'args:\n- a\n- --debug\n- b\n');
  assert.equal(render('args:\n- a\n{{- if .Values.DEBUG }}\n- --debug\n{{- end }}\n- b\n'), 'args:\n- a\n- b\n');
  assert.equal(render('a {{- /* note */ -}} b {{ "lit" }} {{ `raw` }}'), 'ab lit raw');
});

test('goTemplate: anything outside the subset is an error, never passed through', () => {
  assert.deepEqual(templateError('{{ range .Values.L }}x{{ end }}'), { offset: 0, message: 'unsupported template construct "{{ range }}"' });
  assert.deepEqual(templateError('x {{ .Values.A | upper }}'), { offset: 15, message: 'unsupported template construct "|"' });
  assert.deepEqual(templateError('{{ $x := 1 }}'), { offset: 3, message: 'unsupported template construct "$x"' });
  assert.deepEqual(templateError('{{ .Release.Name }}'), { offset: 3, message: 'unsupported template construct ".Release.Name"' });
  assert.deepEqual(templateError('{{ default "a" .Values.A }}'), { offset: 3, message: 'unsupported template construct: "default" is not a supported function or value (quote text as "default"; values are .Values.NAME)' });
  assert.deepEqual(templateError('{{ if .Values.A }}x'), { offset: 0, message: '"{{ if }}" without "{{ end }}"' });
  assert.deepEqual(templateError('x {{ end }}'), { offset: 2, message: '"{{ end }}" without a matching "{{ if }}"' });
  assert.deepEqual(templateError('x {{ .Values.A '), { offset: 2, message: 'unclosed action: "{{" without "}}"' });
  assert.deepEqual(templateError('{{ not }}'), { offset: 3, message: '"not" takes 1 argument(s), got 0' });
});

test('template errors point at the line the user wrote, even after lines were removed', () => {
  const source = [
    '{{- if eq .Values.ENV "prod" }}', // 1
    'services:', // 2
    '  web:', // 3
    '    image: nginx', // 4
    '{{- end }}', // 5
    '    ports:', // 6
    '    - 80/htp', // 7
    'template:',
    '  goTemplate: true',
  ].join('\n');
  assert.equal(oneIssue(source, { answers: { ENV: 'prod' } }), '7:7 services.web.ports[0]: unknown protocol "htp"; did you mean "http"?');
  const subst = 'services:\n  web:\n    image: ${IMAGE}\n    replicas: ${N}\ntemplate:\n  envSubst: true\n';
  assert.equal(oneIssue(subst, { answers: { IMAGE: 'a-much-longer-image-name:v1', N: 'many' } }), '4:15 services.web.replicas: "many" is not a replica count');
});

test('questions: required, int bounds, options, bool, lengths, characters', () => {
  const file = (question: string) => `services: {}\ntemplate:\n  envSubst: true\n  questions:\n  - variable: V\n${question}\n`;
  const err = (question: string, answer?: string) => {
    const issues = issuesOf(file(question), answer === undefined ? {} : { answers: { V: answer } });
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.kind, 'RiofileTemplate');
    assert.equal(issues[0]!.line, 5);
    return issues[0]!.message;
  };
  assert.equal(err('    required: true'), 'question V is required but has no answer');
  assert.equal(err('    type: int\n    min: 1\n    max: 5', '9'), 'answer "9" for V is above the maximum 5');
  assert.equal(err('    type: int\n    min: 1', '0'), 'answer "0" for V is below the minimum 1');
  assert.equal(err('    type: enum\n    options: [a, b]', 'c'), 'answer "c" for V is not one of the options');
  assert.equal(err('    type: bool', 'yes'), 'answer "yes" for V is not true or false');
  assert.equal(err('    maxLength: 3', 'abcd'), 'answer "abcd" for V is longer than 3 characters');
  assert.equal(err('    validChars: abc', 'abx'), 'answer "abx" for V contains "x"');
  assert.equal(err('    required: true\n    default: "7"\n    type: int', 'x'), 'answer "x" for V is not a whole number');
  // A default satisfies `required`, and valid answers pass.
  parseRiofile(file('    required: true\n    default: "7"\n    type: int'));
  parseRiofile(file('    type: int\n    min: 1\n    max: 5'), { answers: { V: '5' } });
});

test('NAMESPACE and REVISION come from the engine, over any answer', () => {
  const src = 'services:\n  web:\n    image: app:${REVISION}\n    env: [NS=${NAMESPACE}]\ntemplate:\n  envSubst: true\n';
  const web = parseRiofile(src, { namespace: 'team-a', revision: 'abc1234', answers: { NAMESPACE: 'ignored', REVISION: 'ignored' } }).services.web!;
  assert.equal(web.image, 'app:abc1234');
  assert.deepEqual(web.env, [{ name: 'NS', value: 'team-a' }]);
});

test('without a template: section, ${...} and {{ }} are plain text', () => {
  const m = parseRiofile('services:\n  web:\n    image: nginx\n    env: ["A=${X}", "B={{ .Values.X }}"]\n', { answers: { X: 'no' } });
  assert.deepEqual(m.services.web!.env, [{ name: 'A', value: '${X}' }, { name: 'B', value: '{{ .Values.X }}' }]);
});
