import { RiaError } from '../../errors.js';

/**
 * A local control-plane component failed: it could not be built, could not start, or died.
 * Carries the component name and the log file to read, which is what a person needs first.
 */
export class ClusterComponentError extends RiaError {
  constructor(component: string, problem: string, logFile?: string, cause?: unknown) {
    const where = logFile ? ` (log: ${logFile})` : '';
    super('ClusterComponentFailed', `${component}: ${problem}${where}`, { component, logFile }, { cause });
  }
}
