import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forward, connectProxy, parseEndpoint } from '../../../engine/dev/cluster/netns-agent.js';
import { connectVia, nodeClient, type RealNodeInfo } from '../../../engine/dev/cluster/real-node.js';

function echoServer(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((s) => s.on('data', (d) => s.write(`echo:${d.toString()}`)));
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

function roundTrip(socket: import('node:net').Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (d) => resolve(d.toString()));
    socket.once('error', reject);
    socket.write(text);
  });
}

test('parseEndpoint reads tcp and unix endpoints and refuses anything else', () => {
  assert.deepEqual(parseEndpoint('tcp:0.0.0.0:6443'), { kind: 'tcp', host: '0.0.0.0', port: 6443 });
  assert.deepEqual(parseEndpoint('unix:/x/y.sock'), { kind: 'unix', path: '/x/y.sock' });
  assert.throws(() => parseEndpoint('http://x'), /not an endpoint/);
});

test('a TCP port forwarded through a unix socket reaches the target', async (t) => {
  // Setup
  const dir = await mkdtemp(join(tmpdir(), 'ria-agent-'));
  const { server: echo, port } = await echoServer();
  const sock = join(dir, 'a.sock');
  const inner = await forward({ kind: 'unix', path: sock }, { kind: 'tcp', host: '127.0.0.1', port });
  const outer = await forward({ kind: 'tcp', host: '127.0.0.1', port: 0 }, { kind: 'unix', path: sock });
  t.after(async () => { outer.close(); inner.close(); echo.close(); await rm(dir, { recursive: true, force: true }); });
  // Test
  const { connect } = await import('node:net');
  const s = connect((outer.address() as { port: number }).port, '127.0.0.1');
  assert.equal(await roundTrip(s, 'hi'), 'echo:hi');
  s.destroy();
});

test('the CONNECT proxy dials the target, and answers 502 for a closed port', async (t) => {
  // Setup
  const dir = await mkdtemp(join(tmpdir(), 'ria-agent-'));
  const { server: echo, port } = await echoServer();
  const sock = join(dir, 'connect.sock');
  const proxy = await connectProxy({ kind: 'unix', path: sock });
  t.after(async () => { proxy.close(); echo.close(); await rm(dir, { recursive: true, force: true }); });
  // Test
  const s = await connectVia(sock, '127.0.0.1', port);
  assert.equal(await roundTrip(s, 'ping'), 'echo:ping');
  s.destroy();
  const closed = await echoServer();
  closed.server.close();
  await assert.rejects(connectVia(sock, '127.0.0.1', closed.port), /502/);
});

test('a request through the node bounds the dial too: a CONNECT never answered fails at timeoutMs and the proxy connection is closed', async (t) => {
  // Setup: a stand-in proxy that takes the CONNECT and never answers, as the agent does while
  // its dial to a vanished pod is unanswered.
  const dir = await mkdtemp(join(tmpdir(), 'ria-agent-'));
  const sock = join(dir, 'connect.sock');
  let closed!: () => void;
  const callerGone = new Promise<void>((r) => { closed = r; });
  const silent = createServer((s) => { s.on('data', () => {}); s.on('close', () => closed()); });
  await new Promise<void>((r) => silent.listen(sock, () => r()));
  t.after(async () => { silent.close(); await rm(dir, { recursive: true, force: true }); });
  const node = nodeClient({ connectSocket: sock } as RealNodeInfo);
  // Test
  const started = Date.now();
  await assert.rejects(node.request('http://10.96.0.77:8080/', { timeoutMs: 300 }), /timeout after 300 ms: http:\/\/10\.96\.0\.77:8080\//);
  assert.ok(Date.now() - started < 5_000, 'the dial is bounded by timeoutMs');
  await callerGone;
});

test('a request through the node bounds the answer: a server that accepts and never answers fails at timeoutMs', async (t) => {
  // Setup
  const dir = await mkdtemp(join(tmpdir(), 'ria-agent-'));
  const sock = join(dir, 'connect.sock');
  const proxy = await connectProxy({ kind: 'unix', path: sock });
  const held: import('node:net').Socket[] = [];
  const mute = createServer((s) => { held.push(s); s.on('data', () => {}); });
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
  t.after(async () => { proxy.close(); for (const s of held) s.destroy(); mute.close(); await rm(dir, { recursive: true, force: true }); });
  const node = nodeClient({ connectSocket: sock } as RealNodeInfo);
  // Test
  const port = (mute.address() as { port: number }).port;
  await assert.rejects(node.request(`http://127.0.0.1:${port}/`, { timeoutMs: 300 }), /timeout after 300 ms/);
});
