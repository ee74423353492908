import { isDeepStrictEqual } from 'node:util';
import type { AppStatus, Condition } from '../../crds/types.js';
import type { LoadedConfig } from '../../config/load.js';
import { redactUrl } from '../../git/redact.js';
import { ConditionType, conditionMessage, setCondition } from '../conditions.js';
import { Reason } from '../reasons.js';

export interface Verdict { status: 'True' | 'False'; reason: Reason; message: string }

/**
 * Pure: ConfigSynced, the state of the config repository as a whole, shown on every App (like a
 * Flux Kustomization's Ready): was the last commit read, and was every file of it usable. An
 * App's own file is judged by its ConfigValid.
 */
export function syncedVerdict(config: LoadedConfig, commit: string): Verdict {
  if (config.settingsError) {
    return { status: 'False', reason: Reason.SettingsInvalid, message: `config commit ${commit.slice(0, 7)}: ${config.settingsError.format()}; the previous settings stay in force` };
  }
  const broken = [...config.appErrors.values()];
  if (broken.length) {
    const more = broken.length > 1 ? ` (and ${broken.length - 1} more app files)` : '';
    return { status: 'False', reason: Reason.ConfigInvalid, message: `config commit ${commit.slice(0, 7)}: ${broken[0]!.message}${more}; those apps keep running as they are` };
  }
  return { status: 'True', reason: Reason.ConfigSynced, message: `config commit ${commit.slice(0, 7)}` };
}

/** Pure: ConfigSynced when the config repository could not be read (listed, fetched, or its files read). */
export function fetchFailedVerdict(url: string, branch: string, err: Error, lastCommit: string | undefined): Verdict {
  const kept = lastCommit ? `the config of commit ${lastCommit.slice(0, 7)} stays in force` : 'nothing is changed';
  return { status: 'False', reason: Reason.ConfigFetchFailed, message: `config repository ${redactUrl(url)} (branch ${branch}): ${err.message}; retrying with backoff, ${kept}` };
}

/**
 * What the config sync says about one App: the config commit read, ConfigValid (undefined: the
 * one stored is kept, e.g. the config repository could not be read) and ConfigSynced. Held in
 * memory (ConfigState.apps) and written by the app sync, the App status's one writer, with the
 * rest of the status: a new App's status is one write, not two (issue 15). After a restart the
 * config is read again before anything changes, and until then the stored conditions are kept.
 */
export interface AppConfigStatus { commit?: string; valid?: Verdict; synced?: Verdict }

/**
 * Pure: `configCommit` and the ConfigValid / ConfigSynced conditions an App's status shows,
 * from the stored status and what the config sync says (`config`; none: the stored ones kept).
 * A condition whose status did not change keeps its lastTransitionTime.
 */
export function configPart(stored: AppStatus | undefined, config: AppConfigStatus | undefined, now: Date): { configCommit?: string; conditions: Condition[] } {
  const current = (type: string) => stored?.conditions?.find((x) => x.type === type);
  const next = (type: string, v: Verdict | undefined): Condition | undefined => {
    const was = current(type);
    if (!v) return was;
    return setCondition(was ? [was] : [], { type, status: v.status, reason: v.reason, message: conditionMessage(v.message) }, now)[0];
  };
  const conditions = [next(ConditionType.ConfigValid, config?.valid), next(ConditionType.ConfigSynced, config?.synced)].filter((c): c is Condition => c !== undefined);
  const configCommit = config?.commit ?? stored?.configCommit;
  return { ...(configCommit ? { configCommit } : {}), conditions };
}

/** Pure: whether two config parts show the same (lastTransitionTime aside). */
export function sameConfigPart(a: ReturnType<typeof configPart>, b: ReturnType<typeof configPart>, commitToo = true): boolean {
  const shown = (p: ReturnType<typeof configPart>) => p.conditions.map(({ type, status, reason, message }) => ({ type, status, reason, message }));
  return (!commitToo || a.configCommit === b.configCommit) && isDeepStrictEqual(shown(a), shown(b));
}
