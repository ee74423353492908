import type { Command, CommandIO } from './command.js';
import { UsageError } from '../errors.js';
import { loadKubeAccess, type KubeAccess } from '../kube/kube-access.js';
import { KubeRest } from '../kube/rest.js';
import { KubeObjects } from '../kube/objects.js';
import { API_VERSION, type Environment } from '../crds/types.js';
import { ROLLOUT_ACTION_ANNOTATION, ROLLOUT_ACTIONS, type RolloutAction } from '../rollout/types.js';

const usage = `Usage: ria rollout pause|resume|promote|abort ENVIRONMENT [-n NAMESPACE] [--kubeconfig FILE]

Acts on the rollout running in an environment (a service with template: true or rollout):
  pause     hold the new version at its current share of the traffic
  resume    continue stepping (also after rollout.pause, a staged or a rolled-back version)
  promote   send all traffic to the new version now (the old one drains, then goes)
  abort     send all traffic back to the stable version now (the new one is kept for inspection)

ENVIRONMENT is the Environment's name (ria ps / kubectl get environments -A), e.g. shop--main.
The action is written to the Environment (annotation ${ROLLOUT_ACTION_ANNOTATION}); the engine acts on it
once and says what it did in the Environment's status (status.rollout) and its Events.

Options:
  -n, --namespace NS    namespace of the Environment objects (default: ria-system)
  --kubeconfig FILE     kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)`;

export interface RolloutArgs { action: RolloutAction; environment: string; namespace: string; kubeconfig?: string }

export function parseRolloutArgs(args: string[]): RolloutArgs {
  const positional: string[] = [];
  let namespace = 'ria-system';
  let kubeconfig: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => { const v = args[++i]; if (!v) throw new UsageError(`${a} needs a value`); return v; };
    if (a === '-n' || a === '--namespace') namespace = value();
    else if (a === '--kubeconfig') kubeconfig = value();
    else if (a.startsWith('-')) throw new UsageError(`unknown option "${a}"`);
    else positional.push(a);
  }
  const [action, environment, ...rest] = positional;
  if (!action || !(ROLLOUT_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`the action is one of ${ROLLOUT_ACTIONS.join(', ')}${action ? `, not "${action}"` : ''}`);
  if (!environment) throw new UsageError('name the environment, e.g. ria rollout pause shop--main');
  if (rest.length) throw new UsageError(`unexpected "${rest.join(' ')}"`);
  return { action: action as RolloutAction, environment, namespace, ...(kubeconfig ? { kubeconfig } : {}) };
}

/**
 * The annotation value: the action and when it was asked for. The engine acts on a value once
 * (it records the last one acted on), so asking for the same action again later works.
 */
export function actionValue(action: RolloutAction, now: Date): string {
  return `${action}/${now.toISOString()}`;
}

export interface RolloutDeps { loadKubeConfig?: (file?: string) => KubeAccess | Promise<KubeAccess>; now?: () => Date }

export function createRolloutCommand(deps: RolloutDeps = {}): Command {
  const { loadKubeConfig: load = loadKubeAccess, now = () => new Date() } = deps;
  return {
    name: 'rollout',
    summary: 'pause, resume, promote or abort the rollout of a new version',
    usage,
    async run(args: string[], io: CommandIO): Promise<number> {
      const opts = parseRolloutArgs(args);
      const objects = new KubeObjects(new KubeRest(await load(opts.kubeconfig)));
      const ref = { apiVersion: API_VERSION, kind: 'Environment', namespace: opts.namespace, name: opts.environment };
      const env = await objects.get<Environment>(ref);
      if (!env) {
        io.stderr.write(`ria rollout: no Environment ${opts.environment} in namespace ${opts.namespace} (ria ps lists them)\n`);
        return 1;
      }
      const services = env.status?.rollout?.services ?? {};
      if (Object.keys(services).length === 0) {
        io.stderr.write(`ria rollout: ${opts.environment} has no versioned service (template: true or rollout in its Riofile)\n`);
        return 1;
      }
      await objects.mergePatch(ref, { metadata: { annotations: { [ROLLOUT_ACTION_ANNOTATION]: actionValue(opts.action, now()) } } });
      io.stdout.write(`${opts.action} asked for ${opts.environment} (now: ${env.status?.rollout?.summary ?? 'no rollout'}); the engine acts on it at once\n`);
      return 0;
    },
  };
}

export const rolloutCommand = createRolloutCommand();
