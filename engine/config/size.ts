const unitBytes: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** Parses sizes such as `8Mi`, `512Ki`, `1Gi` or a number of bytes (the config schema's pattern) to bytes. */
export function parseSize(value: string | number): number {
  const m = /^([1-9][0-9]*)(Ki|Mi|Gi)?$/.exec(String(value));
  if (!m) throw new Error(`invalid size "${value}"`);
  return Number(m[1]) * unitBytes[m[2] ?? '']!;
}
