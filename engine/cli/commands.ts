import type { Command } from './command.js';
import { devCommand } from './dev-command.js';
import { installCommand } from './install-command.js';
import { validateCommand } from './validate-command.js';
import { psCommand } from './ps-command.js';
import { renderCommand } from './render-command.js';
import { engineCommand } from './engine-command.js';
import { rolloutCommand } from './rollout-command.js';
import { logsCommand } from './logs-command.js';

/** Every `ria` subcommand, in the order `ria --help` lists them. Subcommands register here. */
export const commands: Command[] = [devCommand, engineCommand, installCommand, validateCommand, renderCommand, psCommand, logsCommand, rolloutCommand];
