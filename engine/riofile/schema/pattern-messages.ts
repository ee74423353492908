import { parseDurationSeconds, DURATION_SYNTAX } from '../syntax/duration.js';
import { parseEnv, ENV_SYNTAX } from '../syntax/env.js';
import { parseHostAlias, HOSTS_SYNTAX } from '../syntax/hosts.js';
import { parseDataMount, MOUNT_SYNTAX } from '../syntax/mounts.js';
import { parsePermission, PERMISSION_SYNTAX } from '../syntax/permissions.js';
import { parsePort, PORT_SYNTAX } from '../syntax/ports.js';
import { parseQuantity, QUANTITY_SYNTAX } from '../syntax/quantity.js';
import { parseVolume, VOLUME_SYNTAX } from '../syntax/volumes.js';
import { describeValue, type Path } from '../path.js';
import { PATTERNS } from './patterns.js';

type PatternName = keyof typeof PATTERNS;
const BY_SOURCE = new Map<string, PatternName>(Object.entries(PATTERNS).map(([k, v]) => [v, k as PatternName]));

const FIXED: Partial<Record<PatternName, { what: string; expected: string }>> = {
  percent: { what: 'a number or percentage', expected: 'a number or a percentage such as 25%' },
  scale: { what: 'a replica count', expected: 'a number, or MIN-MAX such as 1-10 to autoscale' },
  dnsLabel: { what: 'a valid name', expected: 'lowercase letters, digits and "-", starting and ending with a letter or digit' },
  name: { what: 'a valid name', expected: 'lowercase letters, digits and single "-" between them; "--" is refused: it separates service, app and environment in hostnames, <service>--<app>--<env>' },
  dnsSubdomain: { what: 'a valid name', expected: 'lowercase letters, digits, "-" and "."' },
  envName: { what: 'a valid environment variable name', expected: 'letters, digits, "_", "-" and "."' },
  configKey: { what: 'a valid config key', expected: 'letters, digits, "-", "_" and "."' },
  variable: { what: 'a valid variable name', expected: 'letters, digits and "_", not starting with a digit' },
  pullPolicy: { what: 'an image pull policy', expected: 'Always, IfNotPresent or Never' },
  protocol: { what: 'a protocol', expected: 'one of tcp, udp, sctp, http, http2, grpc' },
};

/**
 * Explains why a string failed a schema pattern by asking the parser of that syntax, which knows
 * which part is wrong ("unknown protocol "htp"; did you mean "http"?") where a regex only says no.
 */
export function explainPattern(pattern: string, value: string, path: Path): { message: string; expected: string } {
  const name = BY_SOURCE.get(pattern);
  const parsed = name ? runParser(name, value, path) : undefined;
  if (parsed && !parsed.ok) return { message: parsed.message, expected: parsed.expected };
  const fixed = name ? FIXED[name] : undefined;
  if (fixed) return { message: `${describeValue(value)} is not ${fixed.what}`, expected: fixed.expected };
  const syntax = name ? SYNTAX[name] : undefined;
  return { message: `${describeValue(value)} does not match the expected format`, expected: syntax ?? `a string matching ${pattern}` };
}

const SYNTAX: Partial<Record<PatternName, string>> = {
  port: PORT_SYNTAX, env: ENV_SYNTAX, mount: MOUNT_SYNTAX, volume: VOLUME_SYNTAX, permission: PERMISSION_SYNTAX,
  quantity: QUANTITY_SYNTAX, duration: DURATION_SYNTAX, hostAlias: HOSTS_SYNTAX,
};

function runParser(name: PatternName, value: string, path: Path) {
  switch (name) {
    case 'port': return parsePort(value);
    case 'env': return parseEnv(value);
    case 'mount': return parseDataMount(value, path.some((p) => p === 'secrets' || p === 'secret') ? 'secret' : 'config');
    case 'volume': return parseVolume(value);
    case 'permission': return parsePermission(value);
    case 'quantity': return parseQuantity(value);
    case 'duration': return parseDurationSeconds(value);
    case 'hostAlias': return parseHostAlias(value);
    default: return undefined;
  }
}
