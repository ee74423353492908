/** Kubernetes quantities from the model's base units, in the shortest exact binary form (`104857600` -> `100Mi`). */
export function quantityBytes(bytes: number): string {
  for (const [suffix, size] of [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(Math.round(bytes));
}

/** Millicores as a CPU quantity (`500` -> `500m`, `2000` -> `2`). */
export function quantityMillis(millis: number): string {
  const m = Math.round(millis);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}
