import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_MEMORY_LIMIT_MIB, engineRuntimeEnv } from '../../../engine/install/runtime.js';

test('engineRuntimeEnv: the old generation at 3/4 of the container limit, two malloc arenas', () => {
  assert.deepEqual(engineRuntimeEnv(512), { NODE_OPTIONS: '--max-old-space-size=384', MALLOC_ARENA_MAX: '2' });
  assert.equal(engineRuntimeEnv(1000).NODE_OPTIONS, '--max-old-space-size=750');
  assert.deepEqual(engineRuntimeEnv(), engineRuntimeEnv(ENGINE_MEMORY_LIMIT_MIB));
});
