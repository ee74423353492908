import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { toYaml } from '../../../engine/render/index.js';

test('toYaml quotes strings a YAML 1.1 reader (kubectl) would take for booleans or numbers', () => {
  const text = toYaml([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { N: 'n', yes: 'on', octal: '0777', date: '2001-01-01' } }]);
  assert.match(text, /"N": "n"/);
  assert.match(text, /"yes": "on"/);
  const back = parse(text.replace(/^---\n/, ''), { version: '1.1' }) as { data: Record<string, string> };
  assert.deepEqual(back.data, { N: 'n', yes: 'on', octal: '0777', date: '2001-01-01' });
});
