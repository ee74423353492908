/** Entry of startGitServerProcess: runs startGitServer and answers its parent over IPC. */
import { rm } from 'node:fs/promises';
import { requestKind, startGitServer } from './git-server.js';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof startGitServer>[0];
// Requests answered, by kind (the bench prints what a cold start asked of the git server).
const counts: Record<string, number> = {};
const server = await startGitServer({ ...options, onRequest: (info) => { const k = requestKind(info); counts[k] = (counts[k] ?? 0) + 1; } });
process.on('message', (m: { id: number; setDown?: Parameters<typeof server.setDown>[0]; counts?: true }) => {
  void (async () => {
    if (m.setDown !== undefined) await server.setDown(m.setDown);
    process.send?.({ done: m.id, ...(m.counts ? { counts } : {}) });
  })();
});
process.on('SIGTERM', () => { void server.stop().finally(() => process.exit(0)); });
// The parent went away without stopping us: do not outlive it, nor leave the root it made for us
// (it removes that root itself when we exit while it lives).
const orphanedRoot = process.argv[3] === 'remove-root-if-orphaned' ? server.root : undefined;
process.on('disconnect', () => {
  void server.stop().then(() => (orphanedRoot ? rm(orphanedRoot, { recursive: true, force: true }) : undefined)).finally(() => process.exit(0));
});
process.send?.({ ready: { url: server.url, root: server.root } });
