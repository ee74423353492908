import { isIP } from 'node:net';
import type { ExternalService, Route, RouteMatch, Router, RouteTarget, StringMatch } from '../model.js';
import type { IssueCollector } from '../locate.js';
import type { Path } from '../path.js';
import { parseDurationSeconds } from '../syntax/duration.js';
import { boolOf, fieldsOf, items, numberOf, parsed, setIf, stringOf, type Entry } from './fields.js';

export function normalizeRouter(raw: unknown, path: Path, issues: IssueCollector): Router {
  const f = fieldsOf(raw, 'router', path, issues);
  return {
    internal: boolOf(f.get('internal'), false),
    routes: items(f.get('routes')).map(({ value, path: p }) => route(value, p, issues)),
  };
}

function route(raw: unknown, path: Path, issues: IssueCollector): Route {
  const f = fieldsOf(raw, 'route', path, issues);
  const r: Route = { to: [] };
  const match = f.get('match');
  if (match) r.match = routeMatch(match, issues);
  for (const { value, path: p } of items(f.get('to'))) {
    const d = fieldsOf(value, 'destination', p, issues);
    const target: RouteTarget = { app: String(d.get('app')!.value) };
    setIf(target, 'version', stringOf(d.get('version')));
    setIf(target, 'port', numberOf(d.get('port')));
    setIf(target, 'weight', numberOf(d.get('weight')));
    setIf(target, 'namespace', stringOf(d.get('namespace')));
    r.to.push(target);
  }
  const redirect = f.get('redirect');
  if (redirect) {
    const d = fieldsOf(redirect.value, 'redirect', redirect.path, issues);
    r.redirect = { toHTTPS: boolOf(d.get('toHTTPS'), false) };
    setIf(r.redirect, 'host', stringOf(d.get('host')));
    setIf(r.redirect, 'path', stringOf(d.get('path')));
  }
  const rewrite = f.get('rewrite');
  if (rewrite) {
    const d = fieldsOf(rewrite.value, 'rewrite', rewrite.path, issues);
    r.rewrite = {};
    setIf(r.rewrite, 'host', stringOf(d.get('host')));
    setIf(r.rewrite, 'path', stringOf(d.get('path')));
  }
  const headers = f.get('headers');
  if (headers) {
    const h = fieldsOf(headers.value, 'headerOps', headers.path, issues);
    const pairs = (e: Entry | undefined) =>
      items(e).map(({ value, path: p }) => {
        const kv = fieldsOf(value, 'headerValue', p, issues);
        return { name: String(kv.get('name')!.value), value: String(kv.get('value')!.value) };
      });
    r.headers = { add: pairs(h.get('add')), set: pairs(h.get('set')), remove: items(h.get('remove')).map((i) => String(i.value)) };
  }
  const retry = f.get('retry');
  if (retry) {
    const d = fieldsOf(retry.value, 'retry', retry.path, issues);
    r.retry = { attempts: numberOf(d.get('attempts')) ?? 0 };
    setIf(r.retry, 'timeoutSeconds', seconds(d.get('timeoutSeconds'), issues));
  }
  setIf(r, 'timeoutSeconds', seconds(f.get('timeoutSeconds'), issues));
  const fault = f.get('fault');
  if (fault) {
    const d = fieldsOf(fault.value, 'fault', fault.path, issues);
    r.fault = { percentage: numberOf(d.get('percentage')) ?? 100 };
    setIf(r.fault, 'delayMillis', numberOf(d.get('delayMillis')));
    setIf(r.fault, 'abortHTTPStatus', numberOf(d.get('abortHTTPStatus')));
  }
  const mirror = f.get('mirror');
  if (mirror) {
    const d = fieldsOf(mirror.value, 'mirror', mirror.path, issues);
    r.mirror = { app: String(d.get('app')!.value) };
    setIf(r.mirror, 'version', stringOf(d.get('version')));
    setIf(r.mirror, 'port', numberOf(d.get('port')));
    setIf(r.mirror, 'namespace', stringOf(d.get('namespace')));
  }
  if (r.to.length === 0 && !r.redirect) issues.add(path, 'a route needs "to" (destinations) or "redirect"', { expected: 'to or redirect' });
  if (r.to.length > 0 && r.redirect) issues.add(f.get('redirect')!.path, 'a route either redirects or forwards "to" destinations, not both', { on: 'key' });
  const weights = r.to.filter((t) => t.weight !== undefined);
  if (weights.length > 0) {
    const total = weights.reduce((sum, t) => sum + t.weight!, 0);
    if (weights.length !== r.to.length || total !== 100) {
      issues.add(f.get('to')!.path, `destination weights add up to ${total}${weights.length !== r.to.length ? ' and some have none' : ''}`, { found: String(total), expected: 'every destination weighted, adding up to 100' });
    }
  }
  return r;
}

function routeMatch(entry: Entry, issues: IssueCollector): RouteMatch {
  const f = fieldsOf(entry.value, 'match', entry.path, issues);
  const m: RouteMatch = {
    methods: items(f.get('methods')).map((i) => String(i.value).toUpperCase()),
    headers: items(f.get('headers')).map(({ value, path }) => {
      const h = fieldsOf(value, 'headerMatch', path, issues);
      const v = h.get('value');
      return { name: String(h.get('name')!.value), value: v ? stringMatch(v, issues) : { prefix: '' } };
    }),
  };
  const p = f.get('path');
  if (p) m.path = stringMatch(p, issues);
  const s = f.get('scheme');
  if (s) m.scheme = stringMatch(s, issues);
  return m;
}

function stringMatch(entry: Entry, issues: IssueCollector): StringMatch {
  const f = fieldsOf(entry.value, 'stringMatch', entry.path, issues);
  const [kind, e] = [...f][0]!;
  const value = String(e.value);
  if (kind === 'regexp') {
    try {
      new RegExp(value);
    } catch {
      issues.add(e.path, `"${value}" is not a valid regular expression`, { found: JSON.stringify(value), expected: 'a regular expression' });
    }
  }
  return kind === 'exact' ? { exact: value } : kind === 'prefix' ? { prefix: value } : { regexp: value };
}

function seconds(entry: Entry | undefined, issues: IssueCollector): number | undefined {
  return entry ? parsed(parseDurationSeconds(entry.value as string | number), entry.path, entry.value, issues) : undefined;
}

/** One `externalservices.<name>` entry; it must point at exactly one kind of target. */
export function normalizeExternalService(raw: unknown, path: Path, issues: IssueCollector): ExternalService {
  const f = fieldsOf(raw, 'externalService', path, issues);
  const es: ExternalService = { ipAddresses: [] };
  for (const { value, path: p } of items(f.get('ipAddresses'))) {
    if (isIP(String(value)) === 0) issues.add(p, `"${String(value)}" is not an IP address`, { found: JSON.stringify(value), expected: 'an IPv4 or IPv6 address' });
    else es.ipAddresses.push(String(value));
  }
  setIf(es, 'fqdn', stringOf(f.get('fqdn')));
  for (const key of ['targetApp', 'targetVersion', 'targetRouter', 'targetServiceNamespace'] as const) setIf(es, key, stringOf(f.get(key)));
  const service = f.get('service');
  if (service) {
    const [ns, app] = String(service.value).split('/') as [string, string];
    if (es.targetApp !== undefined || es.targetServiceNamespace !== undefined) issues.add(service.path, 'service and targetApp/targetServiceNamespace say the same thing; keep one', { on: 'key' });
    es.targetServiceNamespace = ns;
    es.targetApp = app;
  }
  const kinds = [
    es.ipAddresses.length > 0 || f.has('ipAddresses') ? 'ipAddresses' : '',
    es.fqdn !== undefined ? 'fqdn' : '',
    es.targetApp !== undefined || es.targetRouter !== undefined ? (service ? 'service' : 'targetApp/targetRouter') : '',
  ].filter(Boolean);
  if (kinds.length !== 1) {
    issues.add(path, kinds.length === 0 ? 'an external service needs a target' : `an external service points at one target, found ${kinds.join(', ')}`, {
      on: 'key',
      expected: 'exactly one of ipAddresses, fqdn, targetApp (or service: NAMESPACE/APP), targetRouter',
    });
  }
  if (es.targetApp !== undefined && es.targetRouter !== undefined) issues.add(path, 'targetApp and targetRouter are both set; keep one', { on: 'key' });
  return es;
}
