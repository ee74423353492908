import type { Settings } from '../config/types.js';
import { GitHubSettingsError } from './errors.js';

/**
 * ria.yaml `github:` (free-form in the config schema, checked here):
 *
 *   github:
 *     apiUrl: https://ghe.example.com/api/v3   # GitHub Enterprise; default https://api.github.com
 *     host: ghe.example.com                    # host of repository URLs; default from apiUrl
 *     tokenSecret: github-token                # Secret in Ria's namespace, key "token" (PAT or installation token)
 *     statusContext: ria                       # commit statuses are <statusContext>/<app>/<environment>
 *     statuses: true                           # post commit statuses
 *     deployments: true                        # create GitHub deployments
 *     prComment: false                         # one comment per PR with the preview URLs
 *     pollPullRequests: true                   # list open PRs each poll interval (the webhook safety net)
 *
 * Without tokenSecret Ria makes no REST call: previews then come from webhooks alone.
 */
export interface GitHubSettings {
  apiUrl: string;
  host: string;
  tokenSecret?: string;
  statusContext: string;
  statuses: boolean;
  deployments: boolean;
  prComment: boolean;
  pollPullRequests: boolean;
}

const PUBLIC_API = 'https://api.github.com';

export function githubSettings(settings: Pick<Settings, 'github'>): GitHubSettings {
  const raw = settings.github ?? {};
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.length === 0) throw new GitHubSettingsError(`"${key}" must be a non-empty string`);
    return v;
  };
  const bool = (key: string, dflt: boolean): boolean => {
    const v = raw[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') throw new GitHubSettingsError(`"${key}" must be true or false`);
    return v;
  };
  const givenApi = str('apiUrl')?.replace(/\/+$/, '');
  const givenHost = str('host')?.toLowerCase();
  if (givenApi && !/^https?:\/\//.test(givenApi)) throw new GitHubSettingsError(`"apiUrl" must be an http(s) URL, got "${givenApi}"`);
  // GHES serves the API at https://HOST/api/v3 and repositories at https://HOST/OWNER/REPO.
  const apiUrl = givenApi ?? (givenHost && givenHost !== 'github.com' ? `https://${givenHost}/api/v3` : PUBLIC_API);
  const apiHost = new URL(apiUrl).host.toLowerCase();
  const host = givenHost ?? (apiHost === 'api.github.com' ? 'github.com' : apiHost);
  const tokenSecret = str('tokenSecret');
  const context = str('statusContext') ?? 'ria';
  return {
    apiUrl, host, ...(tokenSecret ? { tokenSecret } : {}),
    statusContext: context.replace(/\/+$/, ''),
    statuses: bool('statuses', true),
    deployments: bool('deployments', true),
    prComment: bool('prComment', false),
    pollPullRequests: bool('pollPullRequests', true),
  };
}
