/**
 * How the engine's Node.js runs in its container: the memory limit and the runtime settings
 * sized for it. The Deployment sets them; `bench/engine-rss` runs the engine with the same ones.
 */

/** The engine container's memory limit (resources.limits.memory), in MiB. */
export const ENGINE_MEMORY_LIMIT_MIB = 512;

/**
 * Pure: the environment that sizes Node.js for a container of `limitMiB`.
 *
 * - `--max-old-space-size` at 3/4 of the limit (the rest: young generation, code, native memory).
 *   Without it V8 sizes its heap for the machine, not the container: on a node with 24 GB it lets
 *   the old generation grow to 4x what is live before collecting (V8 scales that factor with the
 *   heap limit, 1.3x for heaps of 256 MB to 4x from 2 GB), which is where the engine's RSS peaked
 *   during a cold start of 1,000 apps (heap total 155 MiB with ~50 MiB live). And a heap that may
 *   outgrow the container is killed by the kernel instead of collected.
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates (libuv's pool, V8's workers) an
 *   arena of its own, each keeping freed memory; two are enough for the engine.
 */
export function engineRuntimeEnv(limitMiB = ENGINE_MEMORY_LIMIT_MIB): Record<string, string> {
  return {
    NODE_OPTIONS: `--max-old-space-size=${Math.floor(limitMiB * 3 / 4)}`,
    MALLOC_ARENA_MAX: '2',
  };
}
