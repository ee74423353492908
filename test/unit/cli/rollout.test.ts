import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionValue, parseRolloutArgs } from '../../../engine/cli/rollout-command.js';
import { UsageError } from '../../../engine/errors.js';

test('ria rollout: ACTION ENV [-n NS]; wrong actions and missing names are usage errors that say what is expected', () => {
  assert.deepEqual(parseRolloutArgs(['pause', 'shop--main']), { action: 'pause', environment: 'shop--main', namespace: 'ria-system' });
  assert.deepEqual(parseRolloutArgs(['promote', 'shop--main', '-n', 'ria']), { action: 'promote', environment: 'shop--main', namespace: 'ria' });
  assert.throws(() => parseRolloutArgs(['rollback', 'shop--main']), (e: Error) => e instanceof UsageError && /one of pause, resume, promote, abort, not "rollback"/.test(e.message));
  assert.throws(() => parseRolloutArgs(['abort']), /name the environment/);
  assert.throws(() => parseRolloutArgs(['abort', 'a', 'b']), /unexpected "b"/);
  assert.equal(actionValue('abort', new Date('2026-12-02T07:00:00Z')), 'abort/2026-12-02T07:00:00.000Z');
});
