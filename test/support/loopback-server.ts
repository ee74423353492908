import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/** An HTTP server on loopback answering with `onRequest`, closed (connections too) after the test; its origin. */
export async function loopbackServer(t: TestContext, onRequest: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(onRequest);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
