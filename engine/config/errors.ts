import { RiaError } from '../errors.js';
import { formatIssue, sortIssues, type RiofileIssue } from '../riofile/errors.js';

/** A config repository file (ria.yaml or apps/<name>.yaml) that cannot be used, with located issues. */
export class ConfigError extends RiaError {
  readonly issues: RiofileIssue[];

  constructor(issues: RiofileIssue[]) {
    const sorted = sortIssues(issues);
    const first = sorted[0];
    super('ConfigInvalid', first ? `${formatIssue(first)}${sorted.length > 1 ? ` (and ${sorted.length - 1} more)` : ''}` : 'invalid config',
      { file: first?.file, issues: sorted });
    this.issues = sorted;
  }

  format(): string {
    return this.issues.map(formatIssue).join('\n');
  }
}
