import type { Port, Protocol } from '../model.js';
import { closest } from '../suggest.js';
import { fail, ok, parseBoolWord, type Parsed } from './result.js';

export const PORT_SYNTAX = '[servicePort:]containerPort[/protocol][,name][,expose[=bool]|,internal][,hostport][,name=x]';
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp', 'http', 'http2', 'grpc'];
/** Kubernetes port names are IANA service names: lowercase, digits and dashes, at most 15 characters. */
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Rio's rule: a port without an explicit `expose` is public when it speaks HTTP. */
export function defaultExpose(protocol: Protocol): boolean {
  return protocol === 'http' || protocol === 'http2';
}

/** Parses `"80:8080/http,web"` -> `{port: 80, targetPort: 8080, protocol: 'http', name: 'web', expose: true, hostPort: false}`. */
export function parsePort(spec: string): Parsed<Port> {
  const [head = '', ...options] = spec.split(',').map((s) => s.trim());
  const slash = head.indexOf('/');
  const numbers = slash < 0 ? head : head.slice(0, slash);
  const protoWord = slash < 0 ? '' : head.slice(slash + 1);
  const [first = '', second, extra] = numbers.split(':');
  if (extra !== undefined) return fail(`too many ":" in port "${head}"`, PORT_SYNTAX);
  const port = portNumber(first);
  if (typeof port === 'string') return fail(port, PORT_SYNTAX);
  const target = second === undefined ? port : portNumber(second);
  if (typeof target === 'string') return fail(target, PORT_SYNTAX);

  let protocol: Protocol = 'http';
  if (slash >= 0) {
    const p = protocolOf(protoWord);
    if (typeof p !== 'string' || !PROTOCOLS.includes(p as Protocol)) {
      const hint = closest(protoWord, PROTOCOLS);
      return fail(`unknown protocol "${protoWord}"${hint ? `; did you mean "${hint}"?` : ''}`, `one of ${PROTOCOLS.join(', ')}`);
    }
    protocol = p as Protocol;
  }

  const result: Port = { port, targetPort: target, protocol, expose: defaultExpose(protocol), hostPort: false };
  let expose: boolean | undefined;
  for (const option of options) {
    const eq = option.indexOf('=');
    const key = (eq < 0 ? option : option.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : option.slice(eq + 1);
    const flag = value === undefined ? true : parseBoolWord(value);
    if (option === '') return fail(`empty option in port "${spec}"`, PORT_SYNTAX);
    if (key === 'expose' || key === 'internal' || key === 'hostport') {
      if (flag === undefined) return fail(`"${option}" must be true or false`, `${key} or ${key}=true|false`);
      if (key === 'hostport') result.hostPort = flag;
      else expose = key === 'expose' ? flag : !flag;
    } else if (key === 'name' && value !== undefined) {
      const bad = setName(result, value);
      if (bad) return bad;
    } else if (value === undefined) {
      const bad = setName(result, option);
      if (bad) return bad;
    } else {
      return fail(`unknown port option "${key}"`, 'expose, internal, hostport or name=NAME');
    }
  }
  if (expose !== undefined) result.expose = expose;
  return ok(result);
}

/** A port number, or the reason it is not one. */
export function portNumber(text: string): number | string {
  if (!/^\d+$/.test(text)) return text === '' ? 'missing port number' : `"${text}" is not a port number`;
  const n = Number(text);
  if (n < 1 || n > 65535) return `port ${n} is out of range 1-65535`;
  return n;
}

export function protocolOf(word: string): Protocol | undefined {
  const lower = word.toLowerCase();
  return (PROTOCOLS as readonly string[]).includes(lower) ? (lower as Protocol) : undefined;
}

export function checkPortName(name: string): string | undefined {
  if (!PORT_NAME.test(name)) return `port name "${name}" must be lowercase letters, digits and "-"`;
  if (name.length > 15) return `port name "${name}" is longer than 15 characters`;
  if (!/[a-z]/.test(name)) return `port name "${name}" must contain a letter`;
  return undefined;
}

function setName(port: Port, name: string): Parsed<never> | undefined {
  if (port.name !== undefined) return fail(`port has two names, "${port.name}" and "${name}"`, PORT_SYNTAX);
  const bad = checkPortName(name);
  if (bad) return fail(bad, 'a name like "web" or "http-admin"');
  port.name = name;
  return undefined;
}
