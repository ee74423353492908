import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { buildSchema, parseRiofile } from '../../../engine/riofile/index.js';
import { fixture } from './helpers.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../../../schemas/riofile.schema.json', import.meta.url));
const published = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { properties: object; $defs: Record<string, { properties?: Record<string, { description?: string }>; additionalProperties?: unknown }> };

test('schemas/riofile.schema.json is the generated schema (regenerate it when the tables change)', () => {
  assert.deepEqual(published, buildSchema());
});

test('the schema is valid JSON Schema 2020-12 and compiles', () => {
  const ajv = new Ajv2020({ strict: false, allowUnionTypes: true });
  assert.equal(ajv.validateSchema(published), true, JSON.stringify(ajv.errors));
  ajv.compile(published);
});

test('every property has a description and every object refuses unknown keys', () => {
  const objects = [['(root)', published] as const, ...Object.entries(published.$defs).filter(([name]) => !name.includes('.'))];
  assert.ok(objects.length > 25);
  for (const [name, def] of objects) {
    assert.equal((def as { additionalProperties?: unknown }).additionalProperties, false, name);
    for (const [key, property] of Object.entries((def as { properties?: Record<string, { description?: string }> }).properties ?? {})) {
      assert.ok(property.description && property.description.length > 5, `${name}.${key} has no description`);
    }
  }
});

test('aliases and snake_case spellings are in the schema, for editors', () => {
  const service = published.$defs.service!.properties!;
  for (const key of ['scale', 'replicas', 'global_permissions', 'globalPermissions', 'globalPermission', 'port', 'environment', 'pullPolicy', 'image_pull_policy', 'cpus', 'mem']) {
    assert.ok(key in service, key);
  }
  assert.match(service.scale!.description!, /^Alias of `replicas`\./);
  assert.ok('regxp' in published.$defs.stringMatch!.properties!);
});

test('an editor using the published schema accepts Rio\'s Riofiles and flags mistakes', () => {
  const validate = new Ajv2020({ strict: false, allowUnionTypes: true, allErrors: true }).compile(published);
  for (const name of ['01-nginx-configs.yaml', '09-dev-local-build-image-dot.yaml', '23-fixture-riofile-export.yaml', '26-rio-autoscaler-Riofile.yaml']) {
    assert.equal(validate(parse(fixture(`rio/${name}`))), true, `${name}: ${JSON.stringify(validate.errors)}`);
  }
  assert.equal(validate(parse('services: {web: {image: nginx, imagePulPolicy: Always}}')), false);
  assert.equal(validate(parse('services: {web: {image: nginx, ports: ["80:http"]}}')), false);
  assert.equal(validate(parse('services: {web: {image: nginx, memory: "100 mi"}}')), false);
});

test('a yaml-language-server modeline is just a comment', () => {
  const m = parseRiofile('# yaml-language-server: $schema=../schemas/riofile.schema.json\nservices:\n  web:\n    image: nginx\n');
  assert.deepEqual(Object.keys(m.services), ['web']);
});
