import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../errors.js';
import { buildSchema, formatIssue, parseRiofile, RiofileError, type RiofileIssue } from '../riofile/index.js';
import type { Command, CommandIO } from './command.js';
import { addSetAnswer, readAnswers, readSource } from './read-input.js';
import { defaultEnvironment, enginePolicy, readConfigApp } from './config-checkout.js';
import type { LoadedApp, Settings } from '../config/types.js';
import type { Environment } from '../render/types.js';
import { environmentNamespace } from '../render/names.js';

const USAGE = `Usage: ria validate [FILE ...] [options]

Checks Riofiles (default ./Riofile) and prints each problem as FILE:LINE:COL: PATH: message.
With --config, also applies the engine's policy for that app (its allow: keys, build keys, preview
Secrets), with the engine's messages: what the engine would refuse is refused here first.
Exit status: 0 valid, 1 invalid (or refused by the policy, or a broken config file), 2 usage error.

Options:
  --config DIR       a checkout of the config repository (ria.yaml, apps/*.yaml)
  --app NAME         the app whose apps/NAME.yaml applies (needs --config)
  --pr N | --branch B  judge it as a pull request preview or a branch (default: the app's first branch)
  --json             print the problems as JSON
  --print            print the normalized model as YAML
  --answers FILE     template answers (a YAML or JSON map of VARIABLE: value)
  --set KEY=VALUE    a template answer (repeatable; wins over --answers)
  --namespace NS     the NAMESPACE template variable (default: default)
  --revision REV     the REVISION template variable (default: local)
  --schema           print the Riofile JSON Schema (for editors: # yaml-language-server: $schema=FILE)`;

interface Options {
  files: string[];
  json: boolean;
  print: boolean;
  schema: boolean;
  answersFile?: string;
  set: Record<string, string>;
  namespace?: string;
  revision?: string;
  config?: string;
  app?: string;
  pr?: number;
  branch?: string;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check Riofiles and explain every mistake with its line',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const options = parseArgs(args);
    if (options.schema) {
      io.stdout.write(JSON.stringify(buildSchema(), null, 2) + '\n');
      return 0;
    }
    const cliAnswers = { ...(options.answersFile ? await readAnswers(resolve(io.cwd, options.answersFile)) : {}), ...options.set };
    const problems: RiofileIssue[] = [];
    let config: { app: LoadedApp; settings: Settings; environment: Environment } | undefined;
    if (options.config !== undefined) {
      const loaded = await readConfigApp(resolve(io.cwd, options.config), options.app!);
      if (!loaded.ok) {
        if (options.json) io.stdout.write(JSON.stringify(loaded.error.issues, null, 2) + '\n');
        else io.stdout.write(`${loaded.error.format()}\n`);
        return 1;
      }
      const revision = options.revision ?? 'local';
      const environment: Environment = options.pr !== undefined ? { app: loaded.app.name, kind: 'pr', pr: options.pr, commit: revision }
        : options.branch !== undefined ? { app: loaded.app.name, kind: 'branch', branch: options.branch, commit: revision } : defaultEnvironment(loaded.app, revision);
      config = { app: loaded.app, settings: loaded.settings, environment };
    }
    // The engine answers templates from the app's config file; --answers/--set win locally.
    const answers = { ...(config?.app.spec.answers ?? {}), ...cliAnswers };
    const printed: string[] = [];
    for (const file of options.files) {
      const source = await readSource(resolve(io.cwd, file));
      try {
        // The engine fills NAMESPACE and REVISION; locally a stand-in keeps `image: app:${REVISION}` readable.
        const namespace = config ? environmentNamespace(config.environment) : options.namespace ?? 'default';
        const model = parseRiofile(source, { file, answers, namespace, revision: options.revision ?? 'local' });
        const refused = config ? enginePolicy(model, source, file, config, config.environment) : undefined;
        if (refused) throw refused;
        if (options.print) printed.push(`# ${file}\n${stringify(model)}`);
        else if (!options.json) io.stdout.write(`${file}: valid\n`);
      } catch (err) {
        if (!(err instanceof RiofileError)) throw err;
        problems.push(...err.issues);
        if (!options.json) io.stdout.write(err.issues.map(formatIssue).join('\n') + '\n');
      }
    }
    if (options.json) io.stdout.write(JSON.stringify(problems, null, 2) + '\n');
    if (options.print && printed.length > 0) io.stdout.write(printed.join('---\n'));
    return problems.length > 0 ? 1 : 0;
  },
};

function parseArgs(args: string[]): Options {
  const options: Options = { files: [], json: false, print: false, schema: false, set: {} };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--json') options.json = true;
    else if (arg === '--print') options.print = true;
    else if (arg === '--schema') options.schema = true;
    else if (arg === '--answers') options.answersFile = value();
    else if (arg === '--namespace') options.namespace = value();
    else if (arg === '--revision') options.revision = value();
    else if (arg === '--set') addSetAnswer(options.set, value());
    else if (arg === '--config') options.config = value();
    else if (arg === '--app') options.app = value();
    else if (arg === '--branch') options.branch = value();
    else if (arg === '--pr') {
      const v = value();
      if (!/^[1-9]\d{0,9}$/.test(v)) throw new UsageError(`--pr needs a pull request number, not "${v}"`);
      options.pr = Number(v);
    }
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else options.files.push(arg);
  }
  if (options.json && options.print) throw new UsageError('--json and --print cannot be combined');
  if ((options.config === undefined) !== (options.app === undefined)) throw new UsageError('--config DIR and --app NAME go together');
  if (options.pr !== undefined && options.branch !== undefined) throw new UsageError('give at most one of --branch and --pr');
  if ((options.pr !== undefined || options.branch !== undefined) && options.config === undefined) throw new UsageError('--branch and --pr need --config');
  if (options.files.length === 0) options.files.push('Riofile');
  return options;
}
