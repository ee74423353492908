import { isIP } from 'node:net';
import type { HostAlias } from '../model.js';
import { fail, ok, type Parsed } from './result.js';

export const HOSTS_SYNTAX = 'HOSTNAME[,HOSTNAME...]=IP';
const HOSTNAME = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/;

/** Parses `"example.com,www.example.com=127.0.0.1"`. */
export function parseHostAlias(spec: string): Parsed<HostAlias> {
  const eq = spec.lastIndexOf('=');
  if (eq < 0) return fail(`"${spec}" has no "=IP"`, HOSTS_SYNTAX);
  return buildHostAlias(spec.slice(eq + 1).trim(), spec.slice(0, eq).split(',').map((h) => h.trim()));
}

export function buildHostAlias(ip: string, hostnames: string[]): Parsed<HostAlias> {
  if (isIP(ip) === 0) return fail(`"${ip}" is not an IP address`, 'an IPv4 or IPv6 address');
  const bad = hostnames.find((h) => !HOSTNAME.test(h));
  if (bad !== undefined) return fail(`"${bad}" is not a hostname`, 'a DNS name like example.com');
  return ok({ ip, hostnames });
}

/** `ndots:5` -> `{name: 'ndots', value: '5'}`. */
export function parseDnsOption(spec: string): Parsed<{ name: string; value?: string }> {
  const colon = spec.indexOf(':');
  const name = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  if (!/^[-_.a-zA-Z0-9]+$/.test(name)) return fail(`"${spec}" is not a resolver option`, 'NAME or NAME:VALUE, e.g. ndots:5');
  return ok(colon < 0 ? { name } : { name, value: spec.slice(colon + 1).trim() });
}
