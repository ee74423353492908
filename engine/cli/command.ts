/** What every `ria` subcommand provides. Output streams are passed in so tests can capture them. */
export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Working directory for relative paths. */
  cwd: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Resolves to the process exit code. */
  run(args: string[], io: CommandIO): Promise<number>;
}
