import type { Environment, EnvironmentStatus } from '../../crds/types.js';
import { ConditionType, conditionMessage, getCondition, setCondition } from '../conditions.js';
import { Reason } from '../reasons.js';
import type { Outcome } from './outcome.js';
import { shortCommit } from './status.js';

/**
 * Pure: the status a reconcile leaves, from what its steps wrote into `status` and how it ended.
 * Phase and the Ready / Reconciling / Stalled conditions are decided here and nowhere else.
 * `noop` and `removed` return the status unchanged (nothing is written).
 */
export function summarize(status: EnvironmentStatus, outcome: Outcome, env: Environment, now: Date): EnvironmentStatus {
  const next: EnvironmentStatus = { ...status };
  const set = (type: string, s: 'True' | 'False', reason: string, message: string) => {
    next.conditions = setCondition(next.conditions, { type, status: s, reason, message: conditionMessage(message) }, now);
  };
  switch (outcome.kind) {
    case 'noop': case 'removed':
      return status;
    case 'ready':
      next.phase = 'Ready';
      set(ConditionType.Ready, 'True', Reason.Deployed, `deployed ${shortCommit(env.spec.commit)}`);
      set(ConditionType.Reconciling, 'False', Reason.Deployed, '');
      return next;
    case 'waiting':
      // A rollout in progress says so in Ready too. A build, an unreachable source or a deletion
      // leave a Ready=True as it is (what runs is still what it was); with no Ready=True yet (a
      // first deploy, a failure before), Ready says why it is not (`ria ps` shows that message).
      if (outcome.phase) next.phase = outcome.phase;
      if (outcome.reason === Reason.Progressing || getCondition(next.conditions, ConditionType.Ready)?.status !== 'True') {
        set(ConditionType.Ready, 'False', outcome.reason, outcome.message);
      }
      set(ConditionType.Reconciling, 'True', outcome.reason, outcome.message);
      return next;
    case 'stalled': {
      // A person must act: Failed + Stalled; the running objects are left as they are.
      const message = conditionMessage(outcome.message);
      observed(next, env);
      next.phase = 'Failed';
      next.lastError = outcome.lastError ?? { message };
      set(ConditionType.Ready, 'False', outcome.reason, message);
      set(ConditionType.Stalled, 'True', outcome.reason, message);
      set(ConditionType.Reconciling, 'False', outcome.reason, '');
      return next;
    }
    case 'failed': {
      // Retried with backoff: Failed, not Stalled; the objects of the last good commit keep running.
      const message = conditionMessage(`${outcome.message}; retrying with backoff, the objects of the last good commit keep running`);
      observed(next, env);
      next.phase = 'Failed';
      next.lastError = { message };
      set(ConditionType.Ready, 'False', outcome.reason, message);
      set(ConditionType.Reconciling, 'True', outcome.reason, message);
      set(ConditionType.Stalled, 'False', outcome.reason, '');
      return next;
    }
  }
}

/** A failure is about this commit and generation (also when it came before they were recorded). */
function observed(status: EnvironmentStatus, env: Environment): void {
  status.observedCommit = env.spec.commit;
  status.observedGeneration = env.metadata.generation ?? 0;
}
