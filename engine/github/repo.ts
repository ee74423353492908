/** A GitHub repository, as the REST API names it. */
export interface RepoRef { owner: string; repo: string }

/**
 * owner/repo of a clone URL on the configured GitHub host (`https://github.com/acme/shop.git`,
 * `https://token@ghe.example.com/acme/shop`), or undefined when the repository lives elsewhere:
 * such apps are deployed as usual, Ria just has nobody to report to.
 */
export function repoFromUrl(url: string, host: string): RepoRef | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.host.toLowerCase() !== host.toLowerCase()) return undefined;
  const parts = parsed.pathname.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { owner: parts[0], repo: parts[1] };
}

/** Case-insensitive key (GitHub treats owner and repo names so). */
export function repoKey(ref: RepoRef): string {
  return `${ref.owner}/${ref.repo}`.toLowerCase();
}

/**
 * One key per repository whatever the URL's credentials, scheme, case or `.git` suffix: how a
 * webhook's `clone_url` is matched with the `repo:` of an app file.
 */
export function normalizeRepoUrl(url: string): string {
  return url.replace(/^https?:\/\/[^@/]*@/, 'https://').replace(/^http:/, 'https:').replace(/\/+$/, '').replace(/\.git$/, '').toLowerCase();
}
