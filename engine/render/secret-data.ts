/**
 * Pure: a Secret with its `stringData` moved into `data` (base64 of the UTF-8 text), as the API
 * server stores it; other objects as they are. The API server never keeps `stringData`: it merges
 * it into `data` (its keys win over `data`'s) and returns `data` alone. Applied as written, the
 * Secret Ria applies is not the one it reads back, and its drift check (drift.ts) compares Ria's
 * own fields with the live object: Ria would own `stringData` fields nobody ever sees change, so
 * a value changed in the cluster (in `data`) would never be put back. Applied as `data`, Ria owns
 * the fields that hold the values. Left as written when a value is not a string (the API server
 * refuses it and says why; Ria does not guess how to turn it into text).
 */
export function secretWithData<T extends { apiVersion: string; kind: string }>(obj: T): T {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'Secret' || !('stringData' in obj)) return obj;
  const { stringData, ...rest } = obj as T & { stringData?: unknown; data?: unknown };
  if (stringData === null || stringData === undefined) return rest as unknown as T;
  if (typeof stringData !== 'object' || Array.isArray(stringData)) return obj;
  const texts = Object.entries(stringData as Record<string, unknown>);
  if (texts.some(([, v]) => typeof v !== 'string')) return obj;
  const data = rest.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return obj;
  const merged: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const [key, text] of texts) merged[key] = Buffer.from(text as string, 'utf8').toString('base64');
  const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { ...rest, ...(Object.keys(sorted).length ? { data: sorted } : {}) } as unknown as T;
}
