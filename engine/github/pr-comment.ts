import type { GitHubApi } from './api.js';
import { repoKey, type RepoRef } from './repo.js';

/** Hidden in the rendered comment; how Ria finds its own comment again (also after a restart). */
export const COMMENT_MARKER = '<!-- ria:previews -->';

/**
 * The optional PR comment listing preview URLs: one comment per PR, edited in place as apps
 * become ready, never a new comment per push.
 */
export class PreviewComments {
  private readonly previews = new Map<string, Map<string, { url: string; commit: string }>>();
  private readonly ids = new Map<string, number>();
  private readonly bodies = new Map<string, string>();

  async update(api: GitHubApi, repo: RepoRef, pr: number, app: string, url: string, commit: string): Promise<void> {
    const key = `${repoKey(repo)}#${pr}`;
    const apps = this.previews.get(key) ?? new Map();
    apps.set(app, { url, commit });
    this.previews.set(key, apps);
    const body = renderComment(apps);
    if (this.bodies.get(key) === body) return;
    let id = this.ids.get(key);
    if (id === undefined) id = (await api.listIssueComments(repo, pr)).find((c) => c.body.includes(COMMENT_MARKER))?.id;
    if (id === undefined) id = await api.createIssueComment(repo, pr, body);
    else await api.updateIssueComment(repo, id, body);
    this.ids.set(key, id);
    this.bodies.set(key, body);
  }
}

export function renderComment(apps: ReadonlyMap<string, { url: string; commit: string }>): string {
  const rows = [...apps].sort(([a], [b]) => a.localeCompare(b)).map(([app, p]) => `| ${app} | ${p.url} | \`${p.commit.slice(0, 7)}\` |`);
  return [COMMENT_MARKER, '**Preview environments** (updated by Ria on every deploy)', '', '| App | URL | Commit |', '| --- | --- | --- |', ...rows, ''].join('\n');
}
