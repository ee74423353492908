/**
 * A local stand-in for api.github.com, for tests. It answers the REST calls Ria makes with bodies
 * shaped like GitHub's, and checks every request against GitHub's OpenAPI description
 * (openapi.ts): an unknown route, a wrong method, an unknown query parameter or a body the
 * description rejects is answered like GitHub would (404/405/422) AND recorded in `violations`,
 * which the tests assert empty. Every request is recorded for assertions.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchOperation } from './openapi.js';
import { githubUser } from './payloads.js';

export interface RecordedRequest { method: string; path: string; query: URLSearchParams; body: unknown; status: number; operationId?: string }
export interface StatusRecord { sha: string; state: string; context: string; description?: string | null; target_url?: string | null; id: number }
export interface DeploymentRecord { id: number; sha: string; ref: string; environment: string; transient_environment: boolean; production_environment: boolean; statuses: Array<{ state: string; environment_url?: string; description?: string }> }

export interface GitHubStandin {
  url: string;
  token: string;
  requests: RecordedRequest[];
  violations: string[];
  /** Bodies the stand-in itself answered that GitHub's description would not (a stand-in bug). */
  responseViolations: string[];
  statuses: StatusRecord[];
  deployments: DeploymentRecord[];
  comments: Map<number, { issue: number; body: string }>;
  /** Open pull requests per `owner/repo` (REST pull objects), as the list answers them. */
  setPulls(fullName: string, pulls: unknown[]): void;
  /** The next `count` requests get this answer (rate limits, outages). */
  failNext(count: number, status: number, headers?: Record<string, string>, message?: string): void;
  statusesFor(sha: string, context?: string): StatusRecord[];
  stop(): Promise<void>;
}

export async function startGitHubStandin(options: { token?: string } = {}): Promise<GitHubStandin> {
  const token = options.token ?? 'ghp_standin_token_0000000000000000';
  const pulls = new Map<string, unknown[]>();
  const failures: Array<{ status: number; headers: Record<string, string>; message: string }> = [];
  let nextId = 1000;
  let remaining = 5000;
  const s: Omit<GitHubStandin, 'url' | 'stop'> = {
    token, requests: [], violations: [], responseViolations: [], statuses: [], deployments: [], comments: new Map(),
    setPulls: (fullName, list) => { pulls.set(fullName.toLowerCase(), list); },
    failNext(count, status, headers = {}, message = 'failure injected by the test') {
      for (let i = 0; i < count; i++) failures.push({ status, headers, message });
    },
    statusesFor: (sha, context) => s.statuses.filter((x) => x.sha === sha && (context === undefined || x.context === context)),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://standin');
      const method = req.method ?? 'GET';
      const raw = Buffer.concat(chunks).toString('utf8');
      const record: RecordedRequest = { method, path: url.pathname, query: url.searchParams, body: undefined, status: 0 };
      s.requests.push(record);
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        const text = body === undefined ? '' : JSON.stringify(body);
        const limitHeaders = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600), 'x-ratelimit-resource': 'core' };
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3; format=json', ...limitHeaders, ...headers });
        res.end(status === 304 ? undefined : text);
      };
      const violation = (status: number, message: string) => {
        s.violations.push(`${method} ${url.pathname}${url.search}: ${message}`);
        reply(status, { message, documentation_url: 'https://docs.github.com/rest' });
      };
      if (raw) {
        try { record.body = JSON.parse(raw); } catch { return violation(400, 'Problems parsing JSON'); }
      }
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${token}` && auth !== `Bearer ${token}`) return violation(401, 'Bad credentials');
      const match = matchOperation(method, url.pathname);
      if (!match.ok) return violation(match.status, match.error);
      const op = match.op;
      record.operationId = op.operationId;
      const problems = [...op.validateQuery(url.searchParams), ...op.validateBody(record.body)];
      if (problems.length) return violation(422, `Invalid request (${op.operationId}): ${problems.join('; ')}`);
      const failure = failures.shift();
      if (failure) {
        if (failure.headers['x-ratelimit-remaining'] === '0') remaining = 0;
        return reply(failure.status, { message: failure.message, documentation_url: 'https://docs.github.com/rest' }, failure.headers);
      }
      const answer = handle(op.operationId, op.params, url.searchParams, record.body as Record<string, unknown> | undefined, req.headers['if-none-match']);
      if (answer.status !== 304) remaining = Math.max(0, remaining - 1);
      if (answer.status < 300) {
        for (const p of op.validateResponse(answer.status, answer.body)) s.responseViolations.push(`${op.operationId} ${answer.status}: ${p}`);
      }
      reply(answer.status, answer.body, answer.headers);
    });
  });

  function handle(operationId: string, p: Record<string, string>, query: URLSearchParams, body: Record<string, unknown> | undefined, ifNoneMatch: string | string[] | undefined): { status: number; body?: unknown; headers?: Record<string, string> } {
    const repoUrl = `http://standin/repos/${p.owner}/${p.repo}`;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    switch (operationId) {
      case 'pulls/list': {
        const list = query.get('state') === 'open' || !query.get('state') ? pulls.get(`${p.owner}/${p.repo}`.toLowerCase()) ?? [] : [];
        const page = Number(query.get('page') ?? 1);
        const perPage = Number(query.get('per_page') ?? 30);
        const items = list.slice((page - 1) * perPage, page * perPage);
        const etag = `W/"${createHash('sha256').update(JSON.stringify(items)).digest('hex').slice(0, 32)}"`;
        // GitHub answers a matching conditional request with 304, which does not use the rate limit.
        if (ifNoneMatch === etag) return { status: 304, headers: { etag } };
        return { status: 200, body: items, headers: { etag } };
      }
      case 'repos/create-commit-status': {
        const id = nextId++;
        const st: StatusRecord = { id, sha: p.sha!, state: String(body!.state), context: String(body!.context ?? 'default'),
          ...(body!.description !== undefined ? { description: body!.description as string | null } : {}),
          ...(body!.target_url !== undefined ? { target_url: body!.target_url as string | null } : {}) };
        s.statuses.push(st);
        return { status: 201, headers: { location: `${repoUrl}/statuses/${p.sha}` }, body: {
          url: `${repoUrl}/statuses/${p.sha}`, avatar_url: null, id, node_id: `SC_${id}`, state: st.state, description: st.description ?? null,
          target_url: st.target_url ?? null, context: st.context, created_at: now, updated_at: now, creator: githubUser() } };
      }
      case 'repos/list-deployments': {
        const found = s.deployments.filter((d) => (!query.get('sha') || d.sha === query.get('sha')) && (!query.get('environment') || d.environment === query.get('environment')))
          .reverse().slice(0, Number(query.get('per_page') ?? 30));
        return { status: 200, body: found.map((d) => deploymentBody(d, repoUrl, now)) };
      }
      case 'repos/create-deployment': {
        const d: DeploymentRecord = { id: nextId++, sha: String(body!.ref), ref: String(body!.ref), environment: String(body!.environment ?? 'production'),
          transient_environment: body!.transient_environment === true, production_environment: body!.production_environment === true, statuses: [] };
        s.deployments.push(d);
        return { status: 201, body: deploymentBody(d, repoUrl, now) };
      }
      case 'repos/create-deployment-status': {
        const d = s.deployments.find((x) => x.id === Number(p.deployment_id));
        if (!d) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
        d.statuses.push({ state: String(body!.state), ...(body!.environment_url ? { environment_url: String(body!.environment_url) } : {}), ...(body!.description ? { description: String(body!.description) } : {}) });
        const id = nextId++;
        return { status: 201, body: { url: `${repoUrl}/deployments/${d.id}/statuses/${id}`, id, node_id: `DES_${id}`, state: body!.state, creator: githubUser(),
          description: body!.description ?? '', environment: d.environment, target_url: `${repoUrl}/deployments/${d.id}`, created_at: now, updated_at: now,
          deployment_url: `${repoUrl}/deployments/${d.id}`, repository_url: repoUrl, ...(body!.environment_url ? { environment_url: body!.environment_url } : {}), log_url: `${repoUrl}/deployments/${d.id}` } };
      }
      case 'issues/list-comments': {
        const list = [...s.comments].filter(([, c]) => c.issue === Number(p.issue_number)).map(([id, c]) => commentBody(id, c.issue, c.body, repoUrl, now));
        return { status: 200, body: list };
      }
      case 'issues/create-comment': {
        const id = nextId++;
        s.comments.set(id, { issue: Number(p.issue_number), body: String(body!.body) });
        return { status: 201, body: commentBody(id, Number(p.issue_number), String(body!.body), repoUrl, now) };
      }
      case 'issues/update-comment': {
        const c = s.comments.get(Number(p.comment_id));
        if (!c) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
        c.body = String(body!.body);
        return { status: 200, body: commentBody(Number(p.comment_id), c.issue, c.body, repoUrl, now) };
      }
      default:
        s.violations.push(`operation ${operationId} is in the slice but the stand-in has no answer for it`);
        return { status: 501, body: { message: 'not implemented by the stand-in' } };
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(s, {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  });
}

function deploymentBody(d: DeploymentRecord, repoUrl: string, now: string) {
  return { url: `${repoUrl}/deployments/${d.id}`, id: d.id, node_id: `DE_${d.id}`, sha: d.sha, ref: d.ref, task: 'deploy', payload: {}, original_environment: d.environment,
    environment: d.environment, description: null, creator: githubUser(), created_at: now, updated_at: now,
    statuses_url: `${repoUrl}/deployments/${d.id}/statuses`, repository_url: repoUrl,
    transient_environment: d.transient_environment, production_environment: d.production_environment };
}

function commentBody(id: number, issue: number, body: string, repoUrl: string, now: string) {
  return { id, node_id: `IC_${id}`, url: `${repoUrl}/issues/comments/${id}`, html_url: `http://standin/issues/${issue}#issuecomment-${id}`, body,
    user: githubUser(), created_at: now, updated_at: now, issue_url: `${repoUrl}/issues/${issue}`, author_association: 'NONE' };
}
