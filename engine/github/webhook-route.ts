import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhooks, type EmitterWebhookEvent } from '@octokit/webhooks';
import type { Route } from '../server/http-server.js';
import type { Log } from '../controller/context.js';
import { WebhookError } from './errors.js';
import { DeliveryLog } from './delivery-log.js';
import { HANDLED_EVENTS } from './webhook-events.js';

export const WEBHOOK_PATH = '/hooks/github';
/** GitHub caps payloads at 25 MB and drops larger ones; anything bigger is not from GitHub. */
export const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;

export type DeliveryResult = 'accepted' | 'ignored' | 'duplicate' | 'unauthorized' | 'malformed' | 'too_large' | 'bad_request' | 'failed';

export interface WebhookRouteOptions {
  webhooks: Webhooks;
  log: Log;
  metrics?: { recordWebhookDelivery(event: string, result: string): void };
  deliveries?: DeliveryLog;
  maxBytes?: number;
}

/**
 * POST /hooks/github. Checks in this order, each failure answered at once and acting on nothing:
 * size (413), signature over the raw bytes (401), headers (400), JSON (400), replay (200). Then
 * it answers 202 and hands the event to the handlers in the background, so GitHub's 10-second
 * delivery timeout is never hit however slow the work is.
 */
export function webhookRoute(options: WebhookRouteOptions): Route {
  const { webhooks, log, metrics, deliveries = new DeliveryLog(), maxBytes = MAX_PAYLOAD_BYTES } = options;
  const record = (event: string, result: DeliveryResult) => metrics?.recordWebhookDelivery(HANDLED_EVENTS.has(event) ? event : 'other', result);
  return {
    method: 'POST', path: WEBHOOK_PATH,
    async handler(req, res) {
      const event = header(req, 'x-github-event') ?? '';
      const id = header(req, 'x-github-delivery');
      let body: Buffer;
      try {
        body = await readBody(req, maxBytes);
        const signature = header(req, 'x-hub-signature-256');
        if (!signature || !(await webhooks.verify(body.toString('utf8'), signature).catch(() => false))) {
          throw new WebhookError('WebhookUnauthorized', 'missing or wrong X-Hub-Signature-256', 401);
        }
        if (!event || !id) throw new WebhookError('WebhookBadRequest', 'X-GitHub-Event and X-GitHub-Delivery are required', 400);
      } catch (err) {
        return refuse(res, err, event, record);
      }
      let payload: unknown;
      try {
        payload = parsePayload(body, header(req, 'content-type'));
      } catch (err) {
        return refuse(res, err, event, record);
      }
      if (!deliveries.add(id)) {
        record(event, 'duplicate');
        return send(res, 200, `delivery ${id} already received\n`);
      }
      if (!HANDLED_EVENTS.has(event)) {
        record(event, 'ignored');
        return send(res, 202, `event ${event} ignored\n`);
      }
      record(event, 'accepted');
      send(res, 202, 'accepted\n');
      setImmediate(() => {
        webhooks.receive({ id, name: event, payload } as EmitterWebhookEvent).catch((err: unknown) => {
          record(event, 'failed');
          log.error('webhook handler failed', { event, delivery: id, error: (err as Error).message });
        });
      });
    },
  };
}

function refuse(res: ServerResponse, err: unknown, event: string, record: (event: string, result: DeliveryResult) => void): void {
  if (!(err instanceof WebhookError)) throw err;
  const result: DeliveryResult = err.status === 401 ? 'unauthorized' : err.status === 413 ? 'too_large' : err.code === 'WebhookMalformed' ? 'malformed' : 'bad_request';
  record(event, result);
  send(res, err.status, `${err.message}\n`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Reads at most `max` bytes. A larger body is not kept: the rest is read and dropped (up to
 * twice the cap, then the connection is cut) so that the sender gets a clean 413, not a reset.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length']);
    let tooLarge = Number.isFinite(declared) && declared > max;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
      else if (size > 2 * max) {
        req.destroy();
        reject(new WebhookError('WebhookTooLarge', `payload over ${max} bytes`, 413));
      }
    });
    req.on('end', () => {
      if (tooLarge) reject(new WebhookError('WebhookTooLarge', `payload over ${max} bytes`, 413));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** GitHub sends JSON, or a form with the JSON in `payload` when the hook is set to that type. */
function parsePayload(body: Buffer, contentType: string | undefined): unknown {
  let text = body.toString('utf8');
  if (contentType?.startsWith('application/x-www-form-urlencoded')) text = new URLSearchParams(text).get('payload') ?? '';
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed;
  } catch {
    throw new WebhookError('WebhookMalformed', 'payload is not a JSON object', 400);
  }
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
