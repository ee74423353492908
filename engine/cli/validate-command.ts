import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../errors.js';
import { buildSchema, formatIssue, parseRiofile, RiofileError, type RiofileIssue } from '../riofile/index.js';
import type { Command, CommandIO } from './command.js';
import { addSetAnswer, readAnswers, readSource } from './read-input.js';

const USAGE = `Usage: ria validate [FILE ...] [options]

Checks Riofiles (default ./Riofile) and prints each problem as FILE:LINE:COL: PATH: message.
Exit status: 0 valid, 1 invalid, 2 usage error.

Options:
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
    const answers = { ...(options.answersFile ? await readAnswers(resolve(io.cwd, options.answersFile)) : {}), ...options.set };
    const problems: RiofileIssue[] = [];
    const printed: string[] = [];
    for (const file of options.files) {
      const source = await readSource(resolve(io.cwd, file));
      try {
        // The engine fills NAMESPACE and REVISION; locally a stand-in keeps `image: app:${REVISION}` readable.
        const model = parseRiofile(source, { file, answers, namespace: options.namespace ?? 'default', revision: options.revision ?? 'local' });
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
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else options.files.push(arg);
  }
  if (options.json && options.print) throw new UsageError('--json and --print cannot be combined');
  if (options.files.length === 0) options.files.push('Riofile');
  return options;
}
