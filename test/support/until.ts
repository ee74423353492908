/**
 * Until `check` holds, looking at every turn of the event loop: no timer stands for the thing
 * awaited, so a loaded machine only makes the wait longer. The limit (20 s) only turns a test
 * that would hang into one that fails, naming what never came.
 */
export async function until(what: string, check: () => boolean, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
