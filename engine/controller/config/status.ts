import { isDeepStrictEqual } from 'node:util';
import { API_VERSION, type App, type Condition } from '../../crds/types.js';
import type { LoadedConfig } from '../../config/load.js';
import { redactUrl } from '../../git/redact.js';
import { ConditionType, conditionMessage, setCondition } from '../conditions.js';
import type { EngineContext } from '../context.js';
import { Reason } from '../reasons.js';
import { CONFIG_FIELD_MANAGER } from '../app/sync.js';

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
 * Writes `configCommit`, ConfigValid (when given; else the one stored is kept) and ConfigSynced
 * with the config sync's own field manager (the app sync writes the rest of the status at the
 * same time; see ownedElsewhere). Server-side apply drops fields a manager stops sending, so both
 * conditions are always sent. Skipped, returning false, when nothing changed and this manager
 * already owns them.
 */
export async function writeConfigConditions(ctx: EngineContext, app: App & { metadata: { name: string } }, commit: string | undefined,
  verdicts: { valid?: Verdict; synced: Verdict }): Promise<boolean> {
  const now = ctx.now();
  const stored = (type: string) => app.status?.conditions?.find((x) => x.type === type);
  const next = (type: string, v: Verdict | undefined): Condition | undefined => {
    const current = stored(type);
    if (!v) return current;
    return setCondition(current ? [current] : [], { type, status: v.status, reason: v.reason, message: conditionMessage(v.message) }, now)[0];
  };
  const conditions = [next(ConditionType.ConfigValid, verdicts.valid), next(ConditionType.ConfigSynced, verdicts.synced)].filter((c): c is Condition => c !== undefined);
  const configCommit = commit ?? app.status?.configCommit;
  const owned = (app.metadata.managedFields ?? []).some((f) => f.manager === CONFIG_FIELD_MANAGER && f.subresource === 'status');
  const unchanged = conditions.every((c) => isDeepStrictEqual(c, stored(c.type)));
  if (owned && app.status?.configCommit === configCommit && unchanged) return false;
  await ctx.objects.applyStatus({ apiVersion: API_VERSION, kind: 'App', metadata: { name: app.metadata.name, namespace: app.metadata.namespace! },
    status: { ...(configCommit ? { configCommit } : {}), conditions } }, CONFIG_FIELD_MANAGER);
  return !unchanged;
}
