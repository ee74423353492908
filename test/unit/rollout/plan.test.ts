import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRollout, type CanaryHealth, type Plan } from '../../../engine/rollout/plan.js';
import type { StepSettings } from '../../../engine/rollout/settings.js';
import type { RolloutAction, ServiceRolloutState } from '../../../engine/rollout/types.js';
import { rolloutSummary } from '../../../engine/rollout/summary.js';
import { versionName } from '../../../engine/rollout/version-name.js';

const C1 = 'aaaaaaa1111111111111111111111111111111111';
const C2 = 'bbbbbbb2222222222222222222222222222222222';
const C3 = 'ccccccc3333333333333333333333333333333333';
const V1 = 'vaaaaa';
const V2 = 'vbbbbb';
const V3 = 'vccccc';

const SETTINGS: StepSettings = { increment: 10, intervalMs: 10_000, pause: false, stageOnly: false, drainMs: 30_000, scaleDownMs: 600_000 };
const ready: CanaryHealth = { state: 'ready' };
const pending: CanaryHealth = { state: 'pending', message: 'Deployment/web-vbbbbb: 0/1 available' };

/** A fake clock and the engine's loop: the state only ever survives as the JSON the status holds. */
class Harness {
  now = new Date('2026-12-02T06:00:00Z');
  status: string | undefined;
  last!: Plan;
  constructor(public settings: StepSettings = { ...SETTINGS }) {}
  get state(): ServiceRolloutState | undefined { return this.status === undefined ? undefined : JSON.parse(this.status) as ServiceRolloutState; }
  tick(commit: string, health: CanaryHealth = ready, action?: RolloutAction): Plan {
    this.last = planRollout({ state: this.state, now: this.now, commit, settings: this.settings, health, ...(action ? { action } : {}) });
    this.status = JSON.stringify(this.last.state);
    return this.last;
  }
  advance(ms: number): void { this.now = new Date(this.now.getTime() + ms); }
}

test('rollout: the first version serves at once, with nothing to roll from', () => {
  const h = new Harness();
  const p = h.tick(C1, pending);
  assert.deepEqual(p.weights, { [V1]: 100 });
  assert.equal(p.current, V1);
  assert.equal(p.state.phase, 'Complete');
  assert.equal(p.state.stable?.commit, C1);
  assert.equal(p.wakeAt, undefined);
});

test('rollout: a new commit waits for Ready at 0%, then steps by increment every interval to 100%, then the old version drains and goes', () => {
  const h = new Harness();
  h.tick(C1);
  let p = h.tick(C2, ready); // created by this plan: not applied yet, so never Ready yet
  assert.deepEqual(p.weights, { [V1]: 100, [V2]: 0 });
  assert.equal(p.state.phase, 'Progressing');
  assert.equal(p.current, V2);
  h.advance(60_000);
  p = h.tick(C2, pending);
  assert.equal(p.state.weight, 0, 'no step while the new version is not Ready');
  assert.equal(p.state.phase, 'Progressing');
  p = h.tick(C2, ready);
  assert.deepEqual(p.weights, { [V1]: 90, [V2]: 10 });
  assert.equal(p.state.step, 1);
  assert.equal(p.wakeAt?.toISOString(), new Date(h.now.getTime() + 10_000).toISOString());
  assert.equal(h.tick(C2, ready).state.weight, 10, 'same time again: no second step');
  const seen = [10];
  for (let i = 0; i < 9; i++) {
    h.advance(10_000);
    p = h.tick(C2, ready);
    seen.push(p.weights[V2] ?? 100);
  }
  assert.deepEqual(seen, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  assert.equal(p.state.phase, 'Complete');
  assert.equal(p.state.stable?.name, V2);
  assert.equal(p.state.reason, 'RolledOut');
  assert.deepEqual(p.weights, { [V2]: 100, [V1]: 0 }, 'the old version drains with weight 0');
  assert.equal(p.state.retired?.[0]?.reason, 'Replaced');
  assert.equal(p.wakeAt?.getTime(), h.now.getTime() + 30_000);
  h.advance(29_000);
  assert.ok(h.tick(C2).state.retired?.length, 'still draining');
  h.advance(1_000);
  p = h.tick(C2);
  assert.equal(p.state.retired, undefined);
  assert.deepEqual(p.weights, { [V2]: 100 });
  assert.ok(p.transitions.some((t) => t.includes(`${V1} removed`)));
});

test('rollout: restart mid-rollout resumes from the recorded step; an engine down for several intervals takes one step, not several', () => {
  const h = new Harness();
  h.tick(C1);
  h.tick(C2);
  h.tick(C2, ready); // 10%
  h.advance(10_000);
  h.tick(C2, ready); // 20%
  // The engine is killed; a new one reads the status (JSON) and looks at a later time, several times.
  const restarted = new Harness(SETTINGS);
  restarted.status = h.status;
  restarted.now = new Date(h.now.getTime() + 35_000);
  let p = restarted.tick(C2, ready);
  assert.equal(p.state.weight, 30);
  assert.equal(p.state.step, 3);
  assert.equal(restarted.tick(C2, ready).state.weight, 30, 'a second reconcile at the same time repeats nothing');
  restarted.advance(9_000);
  assert.equal(restarted.tick(C2, ready).state.weight, 30);
  restarted.advance(1_000);
  p = restarted.tick(C2, ready);
  assert.equal(p.state.weight, 40);
  assert.equal(p.state.step, 4);
});

test('rollout: polled every second with a round trip through the status each time, every step happens exactly once', () => {
  const h = new Harness({ ...SETTINGS, increment: 25, intervalMs: 3_000 });
  h.tick(C1);
  h.tick(C2);
  const weights: number[] = [];
  for (let i = 0; i < 20; i++) {
    const p = h.tick(C2, ready);
    const w = p.state.canary ? p.state.weight : 100;
    if (weights.at(-1) !== w) weights.push(w);
    h.advance(1_000);
  }
  assert.deepEqual(weights, [25, 50, 75, 100]);
});

test('rollout: a new version that stops being Ready after the first step rolls back at once; kept, then scaled to zero', () => {
  const h = new Harness();
  h.tick(C1);
  h.tick(C2);
  h.tick(C2, ready);
  h.advance(10_000);
  h.tick(C2, ready); // 20%
  h.advance(2_000);
  const p = h.tick(C2, { state: 'pending', message: 'Deployment/web-vbbbbb: 0/1 available' });
  assert.equal(p.state.phase, 'RolledBack');
  assert.equal(p.state.reason, 'NotReady');
  assert.deepEqual(p.weights, { [V1]: 100, [V2]: 0 });
  assert.match(p.state.message!, /vbbbbb rolled back at step 2 \(20%\): Deployment\/web-vbbbbb: 0\/1 available; vaaaaa serves 100%/);
  assert.equal(p.currentScaledToZero, false, 'kept running for inspection');
  assert.equal(p.wakeAt?.getTime(), h.now.getTime() + 600_000);
  h.advance(600_000);
  const later = h.tick(C2, ready);
  assert.equal(later.state.phase, 'RolledBack', 'Ready again does not restart a rolled-back version');
  assert.equal(later.currentScaledToZero, true);
  assert.equal(later.wakeAt, undefined);
  assert.equal(rolloutSummary({ web: later.state }), 'vbbbbb rolled back');
  const refused = h.tick(C2, ready, 'promote');
  assert.deepEqual(refused.weights, { [V1]: 100, [V2]: 0 }, 'no promotion of a version without pods');
  assert.ok(refused.transitions.some((t) => t.includes('runs no pods')));
});

test('rollout: a crash-looping new version rolls back even before its first step; a slow one only waits', () => {
  const h = new Harness();
  h.tick(C1);
  h.tick(C2);
  assert.equal(h.tick(C2, pending).state.phase, 'Progressing');
  const p = h.tick(C2, { state: 'failed', message: 'Pod web-vbbbbb-x: container web in CrashLoopBackOff (5 restarts)' });
  assert.equal(p.state.phase, 'RolledBack');
  assert.equal(p.state.reason, 'Failing');
  assert.match(p.state.message!, /at step 0 \(0%\).*CrashLoopBackOff/);
});

test('rollout: rollout.pause holds at the first step until resumed; resume steps at once', () => {
  const h = new Harness({ ...SETTINGS, pause: true });
  h.tick(C1);
  h.tick(C2);
  let p = h.tick(C2, ready);
  assert.equal(p.state.phase, 'Paused');
  assert.equal(p.state.weight, 10);
  assert.equal(p.state.reason, 'PausedByRiofile');
  assert.equal(p.wakeAt, undefined);
  h.advance(3_600_000);
  assert.equal(h.tick(C2, ready).state.weight, 10);
  assert.equal(rolloutSummary({ web: h.state! }), 'vbbbbb 10% (paused)');
  p = h.tick(C2, ready, 'resume');
  assert.equal(p.state.phase, 'Progressing');
  assert.equal(p.state.weight, 20);
  h.advance(10_000);
  assert.equal(h.tick(C2, ready).state.weight, 30, 'the Riofile pause is only at the first step');
});

test('rollout: operator pause, resume, promote and abort', () => {
  const h = new Harness();
  h.tick(C1);
  h.tick(C2);
  h.tick(C2, ready); // 10%
  let p = h.tick(C2, ready, 'pause');
  assert.equal(p.state.phase, 'Paused');
  assert.equal(p.state.pausedByOperator, true);
  h.advance(60_000);
  assert.equal(h.tick(C2, ready).state.weight, 10);
  p = h.tick(C2, ready, 'resume');
  assert.equal(p.state.weight, 20);
  p = h.tick(C2, ready, 'promote');
  assert.equal(p.state.phase, 'Complete');
  assert.equal(p.state.reason, 'Promoted');
  assert.deepEqual(p.weights, { [V2]: 100, [V1]: 0 });

  h.tick(C3);
  h.tick(C3, ready);
  p = h.tick(C3, ready, 'abort');
  assert.equal(p.state.phase, 'RolledBack');
  assert.equal(p.state.reason, 'Aborted');
  assert.match(p.state.message!, /vccccc rolled back at step 1 \(10%\): aborted by an operator; vbbbbb serves 100%/);
  assert.deepEqual(p.weights, { [V2]: 100, [V3]: 0, [V1]: 0 });
  p = h.tick(C3, ready, 'resume');
  assert.equal(p.state.phase, 'Progressing', 'resume retries a rolled-back version from 0');
  assert.equal(p.state.weight, 10);
  p = h.tick(C3, ready, 'pause');
  p = h.tick(C3, ready, 'pause');
  assert.ok(p.transitions.some((t) => t.includes('nothing to pause')));
});

test('rollout: a new commit during a rollout supersedes the version rolled out; the stable version stays stable', () => {
  const h = new Harness();
  h.tick(C1);
  h.tick(C2);
  h.tick(C2, ready);
  h.advance(10_000);
  h.tick(C2, ready); // 20%
  let p = h.tick(C3, ready);
  assert.equal(p.state.stable?.name, V1);
  assert.equal(p.state.canary?.name, V3);
  assert.equal(p.state.weight, 0);
  assert.deepEqual(p.weights, { [V1]: 100, [V3]: 0, [V2]: 0 });
  assert.equal(p.state.retired?.[0]?.reason, 'Superseded');
  // A canary that never got traffic goes at once.
  p = h.tick(C2, ready);
  assert.deepEqual(p.weights, { [V1]: 100, [V2]: 0 }, 'the draining version is back as a fresh canary; V3 had no traffic and goes at once');
  assert.equal(p.state.retired, undefined);
  assert.equal(p.state.canary?.name, V2);
  // Back to the stable commit (a force-push): the canary goes, stable serves.
  p = h.tick(C1, ready);
  assert.equal(p.state.phase, 'Complete');
  assert.equal(p.current, V1);
  assert.equal(p.state.canary, undefined);
});

test('rollout: stageOnly stages the new version with no traffic until promoted', () => {
  const h = new Harness({ ...SETTINGS, stageOnly: true });
  h.tick(C1);
  let p = h.tick(C2);
  assert.equal(p.state.phase, 'Staged');
  h.advance(3_600_000);
  p = h.tick(C2, ready);
  assert.deepEqual(p.weights, { [V1]: 100, [V2]: 0 });
  assert.equal(rolloutSummary({ web: p.state }), 'vbbbbb staged');
  p = h.tick(C2, ready, 'promote');
  assert.deepEqual(p.weights, { [V2]: 100, [V1]: 0 });
});

test('rollout: interval 0 switches in one step; summary shows the next step', () => {
  const h = new Harness({ ...SETTINGS, intervalMs: 0, increment: 100 });
  h.tick(C1);
  h.tick(C2);
  assert.deepEqual(h.tick(C2, ready).weights, { [V2]: 100, [V1]: 0 });
  const s = new Harness();
  s.tick(C1);
  s.tick(C2);
  assert.equal(rolloutSummary({ web: s.state! }, { web: SETTINGS }), 'vbbbbb 0% → 10% (waiting for Ready)');
  s.tick(C2, ready);
  s.advance(10_000);
  s.tick(C2, ready);
  s.advance(10_000);
  s.tick(C2, ready);
  assert.equal(rolloutSummary({ web: s.state! }, { web: SETTINGS }), 'vbbbbb 30% → 40%');
  assert.equal(rolloutSummary({ web: s.state!, api: s.state! }, { web: SETTINGS }), 'api vbbbbb 30%, web vbbbbb 30% → 40%');
});

test('rollout: version names are v + 5 hex digits, longer only when another commit has the name', () => {
  assert.equal(versionName('9f3c1aa'), 'v9f3c1');
  assert.equal(versionName('9f3c1bb', [{ name: 'v9f3c1', commit: '9f3c1aa' }]), 'v9f3c1b');
  assert.equal(versionName('9f3c1aa', [{ name: 'v9f3c1', commit: '9f3c1aa' }]), 'v9f3c1');
});
