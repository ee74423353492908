/** Runs `work` over `items`, at most `width` at a time (set-up of many repositories). */
export async function inBatches<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => { while (next < items.length) await work(items[next++]!); };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
