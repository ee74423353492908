import { fail, ok, type Parsed } from './result.js';

export const QUANTITY_SYNTAX = 'a Kubernetes quantity such as 100m, 0.5, 100Mi or 1G';
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const FACTORS: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A quantity in base units (cores, bytes); YAML numbers are taken as they are. */
export function parseQuantity(input: string | number): Parsed<number> {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? ok(input) : fail(`${input} is not a positive quantity`, QUANTITY_SYNTAX);
  }
  const match = QUANTITY.exec(input.trim());
  if (!match) {
    const hint = /^\s*[\d.]+\s*[a-zA-Z]+\s*$/.test(input) ? ' (units are case-sensitive and follow the number directly, e.g. 100Mi)' : '';
    return fail(`"${input}" is not a quantity${hint}`, QUANTITY_SYNTAX);
  }
  const suffix = match[3] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : FACTORS[suffix]!;
  return ok(Number(match[1]) * factor);
}

/** CPU in millicores, rounded up as Kubernetes does for sub-milli precision. */
export function parseCpuMillis(input: string | number): Parsed<number> {
  const q = parseQuantity(input);
  return q.ok ? ok(Math.ceil(round(q.value * 1000))) : q;
}

/** Memory in whole bytes, rounded up. */
export function parseBytes(input: string | number): Parsed<number> {
  const q = parseQuantity(input);
  return q.ok ? ok(Math.ceil(round(q.value))) : q;
}

/** Drops float noise (0.1 * 1000 = 100.00000000000001) before rounding up. */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
