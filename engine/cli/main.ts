import { commands } from './commands.js';
import type { CommandIO } from './command.js';
import { riaVersion } from './version.js';
import { RiaError, UsageError, errorMessage } from '../errors.js';

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'ria: GitOps for Kubernetes. git push to deploy, open a pull request to get a preview URL.',
    '',
    'Usage: ria <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (ria <command> --help for a command)',
    '  -v, --version  print the version',
  ].join('\n');
}

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout.write(helpText() + '\n');
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version' || first === 'version') {
    io.stdout.write(`ria ${riaVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    io.stderr.write(`ria: unknown command "${first}"\n\n${helpText()}\n`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`ria ${command.name}: ${err.message}\n\n${command.usage}\n`);
      return 2;
    }
    const code = err instanceof RiaError ? ` [${err.code}]` : '';
    io.stderr.write(`ria ${command.name}: ${errorMessage(err)}${code}\n`);
    return 1;
  }
}
