import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { Webhooks, EmitterWebhookEvent } from '@octokit/webhooks';
import type { Route } from '../server/http-server.js';
import type { Log } from '../controller/context.js';
import { WebhookError } from './errors.js';
import { DeliveryLog } from './delivery-log.js';
import { HANDLED_EVENTS } from './webhook-events.js';
import { DEFAULT_BODY_PACE, declaredTooLarge, matchingSecrets, parseSignature, readBody, tooSlow, type BodyPace, type BodyReader } from './webhook-body.js';
import { authorizeDelivery, repoUrlsIn, secretsForUrls, type WebhookSecrets, type WebhookSecretsLookup } from './webhook-secrets.js';

export const WEBHOOK_PATH = '/hooks/github';
/**
 * The largest body read. GitHub caps payloads at 25 MB, but the events Ria acts on are small:
 * a pull_request payload is tens of KB, and a push lists at most 20 commits (with their changed
 * paths), typically under 100 KB and well under 1 MB even for large commits. 4 MiB leaves room
 * for pushes touching tens of thousands of files while keeping the worst case (every in-flight
 * body at the cap) at MAX_BODIES_IN_FLIGHT × 4 MiB = 32 MiB of a 512 Mi engine.
 */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** After an early answer, how long and how much of the unread body is dropped before the socket is cut. */
const LINGER_MS = 500;
const LINGER_BYTES = 1024 * 1024;
/** Bodies read at once; past this a delivery gets 503 with Retry-After, before any byte is read. */
export const MAX_BODIES_IN_FLIGHT = 8;

export type DeliveryResult = 'accepted' | 'ignored' | 'duplicate' | 'unauthorized' | 'malformed' | 'too_large' | 'too_slow' | 'bad_request' | 'busy' | 'failed';

export interface WebhookRouteOptions {
  /** Dispatches verified events to the handlers (its own secret is not used: see `secrets`). */
  webhooks: Webhooks;
  /** The secrets a delivery may be signed with, per repository; a plain string is one shared secret. */
  secrets: string | WebhookSecretsLookup;
  log: Log;
  metrics?: { recordWebhookDelivery(event: string, result: string): void };
  deliveries?: DeliveryLog;
  maxBytes?: number;
  maxInFlight?: number;
  /** How slowly a body may arrive before it is cut (408, counted `too_slow`). */
  pace?: BodyPace;
}

/**
 * POST /hooks/github. Checks in this order, each failure answered at once and acting on nothing:
 * from the headers alone, size (413), signature present (401), event and delivery id (400), a
 * free reading slot (503); then the body, under the cap (413) and within a deadline and a minimum
 * rate (408: a trickled body would hold a slot); its HMAC-SHA256 with the secrets allowed for the
 * payload's repository only (401; a body that is not JSON may only be signed with the shared
 * secret, then 400); replay, by delivery id or identical signed body (200). Then it answers 202 and hands the
 * event to the handlers in the background, so GitHub's 10-second delivery timeout is never hit.
 *
 * An answer given before the body is read (or with it partly read) does not read the rest: at
 * most LINGER_BYTES more are dropped, for LINGER_MS, so the client can read the answer, then the
 * socket is destroyed.
 */
export function webhookRoute(options: WebhookRouteOptions): Route {
  const { webhooks, log, metrics, deliveries = new DeliveryLog(), maxBytes = MAX_PAYLOAD_BYTES, maxInFlight = MAX_BODIES_IN_FLIGHT, pace = DEFAULT_BODY_PACE } = options;
  const lookup: WebhookSecretsLookup = typeof options.secrets === 'string'
    ? ((fixed: WebhookSecrets) => async () => fixed)({ shared: options.secrets, repos: new Map() })
    : options.secrets;
  const record = (event: string, result: DeliveryResult) => metrics?.recordWebhookDelivery(HANDLED_EVENTS.has(event) ? event : 'other', result);
  /** Bodies being read (at most maxInFlight): the reading slots. */
  const readers = new Set<BodyReader>();
  return {
    method: 'POST', path: WEBHOOK_PATH,
    async handler(req, res) {
      const event = header(req, 'x-github-event') ?? '';
      const id = header(req, 'x-github-delivery');
      if (declaredTooLarge(req, maxBytes)) return refuseUnread(req, res, new WebhookError('WebhookTooLarge', `payload over ${maxBytes} bytes`, 413), event, record);
      const signature = parseSignature(header(req, 'x-hub-signature-256'));
      if (!signature) return refuseUnread(req, res, new WebhookError('WebhookUnauthorized', 'missing or malformed X-Hub-Signature-256', 401), event, record);
      if (!event || !id) return refuseUnread(req, res, new WebhookError('WebhookBadRequest', 'X-GitHub-Event and X-GitHub-Delivery are required', 400), event, record);
      if (readers.size >= maxInFlight) {
        // A slot held by a body trickling in goes to the newcomer; only readers at pace make a 503.
        const now = Date.now();
        const slow = [...readers].filter((r) => tooSlow(r, pace, now)).sort((a, b) => a.size / (now - a.started) - b.size / (now - b.started))[0];
        if (slow) {
          readers.delete(slow);
          slow.cut(`the body arrives slower than ${pace.minBytesPerSecond} bytes/s while other deliveries wait`);
        } else {
          record(event, 'busy');
          res.setHeader('Retry-After', '1');
          return closeUnread(req, res, 503, 'too many deliveries being read; retry shortly\n');
        }
      }

      // Registered synchronously, before any await: the slot is taken at once.
      let reader: BodyReader | undefined;
      let body: Buffer;
      try {
        body = await readBody(req, { maxBytes, pace, reader: (r) => { reader = r; readers.add(r); } });
      } catch (err) {
        // Too large or too slow mid-stream: the request is paused; answer, then cut the connection.
        if (err instanceof WebhookError && (err.status === 413 || err.status === 408)) return refuseUnread(req, res, err, event, record);
        if (err instanceof WebhookError) return refuse(res, err, event, record);
        throw err;
      } finally {
        if (reader) readers.delete(reader);
      }
      let secrets: WebhookSecrets;
      try {
        secrets = await lookup();
      } catch {
        // Logged by the secret store, once per failed read (not per delivery).
        record(event, 'busy');
        res.setHeader('Retry-After', '5');
        return send(res, 503, 'webhook secrets unavailable; retry shortly\n');
      }
      // Only the secrets of the repositories the body names are tried (a linear scan, no parse);
      // the JSON is parsed once a signature matched, then the match is checked against its repository.
      const text = payloadText(body, header(req, 'content-type'));
      const matched = matchingSecrets(body, secretsForUrls(secrets, repoUrlsIn(text)), signature);
      if (!matched.length) return refuse(res, new WebhookError('WebhookUnauthorized', 'wrong X-Hub-Signature-256 (or not one allowed for the repository)', 401), event, record);
      let payload: unknown;
      try {
        payload = parsePayload(text);
      } catch (err) {
        return refuse(res, err, event, record);
      }
      const allowed = authorizeDelivery(secrets, matched, payload);
      if (!allowed.ok) return refuse(res, new WebhookError('WebhookUnauthorized', allowed.reason, 401), event, record);
      // The delivery id is not signed: the same signed body under a new id is the same delivery.
      const bodyKey = `body:${createHash('sha256').update(body).digest('hex')}`;
      if (!deliveries.add(id) || !deliveries.add(bodyKey)) {
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

function resultOf(err: WebhookError): DeliveryResult {
  return err.status === 401 ? 'unauthorized' : err.status === 413 ? 'too_large' : err.status === 408 ? 'too_slow' : err.code === 'WebhookMalformed' ? 'malformed' : 'bad_request';
}

function refuse(res: ServerResponse, err: unknown, event: string, record: (event: string, result: DeliveryResult) => void): void {
  if (!(err instanceof WebhookError)) throw err;
  record(event, resultOf(err));
  send(res, err.status, `${err.message}\n`);
}

/** A refusal with the body (partly) unread. */
function refuseUnread(req: IncomingMessage, res: ServerResponse, err: WebhookError, event: string, record: (event: string, result: DeliveryResult) => void): void {
  record(event, resultOf(err));
  closeUnread(req, res, err.status, `${err.message}\n`);
}

/**
 * An answer given with the body (partly) unread. Node then reads and drops the rest to keep the
 * connection alive, which is what a flood wants; closing at once instead resets the connection
 * with the answer possibly still unread by the client (it sees ECONNRESET, not the 413). So, as
 * web servers' "lingering close": the rest is dropped for at most LINGER_MS or LINGER_BYTES,
 * enough for the client to read the answer, then the socket is destroyed.
 */
function closeUnread(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  res.once('finish', () => {
    if (req.complete) return;
    let dropped = 0;
    const cut = () => { clearTimeout(timer); req.socket.destroy(); };
    const timer = setTimeout(cut, LINGER_MS);
    timer.unref();
    req.on('data', (chunk: Buffer) => { dropped += chunk.length; if (dropped > LINGER_BYTES) cut(); });
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
    req.resume();
  });
  send(res, status, text);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** GitHub sends JSON, or a form with the JSON in `payload` when the hook is set to that type. */
function payloadText(body: Buffer, contentType: string | undefined): string {
  const text = body.toString('utf8');
  return contentType?.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(text).get('payload') ?? '' : text;
}

function parsePayload(text: string): unknown {
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
