// A tiny JSON API with no dependencies: GET /items, GET /items/:id, GET /healthz.
import { createServer } from 'node:http';

const items = [
  { id: 1, name: 'espresso', price: 2.5 },
  { id: 2, name: 'flat white', price: 3.8 },
  { id: 3, name: 'filter', price: 3.0 },
];

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') return send(res, 200, { ok: true, pod: process.env.POD_NAME });
  if (url.pathname === '/items') return send(res, 200, items);
  const match = /^\/items\/(\d+)$/.exec(url.pathname);
  if (match) {
    const item = items.find((i) => i.id === Number(match[1]));
    return item ? send(res, 200, item) : send(res, 404, { error: 'no such item' });
  }
  send(res, 404, { error: 'not found' });
});

server.listen(8080, () => console.log('api listening on :8080'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
