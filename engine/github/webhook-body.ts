/**
 * Reading a webhook body as a hostile client would send it: never more than the cap (a declared
 * Content-Length over it is refused before a byte is read, a chunked body that passes it is cut
 * off), and never slower than a deadline and a minimum rate allow (a trickled body would hold one
 * of the few reading slots). The signature is checked on the whole body afterwards, with only the
 * secrets the payload's repository allows (webhook-secrets.ts), so its cost does not grow with
 * the number of repositories.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebhookError } from './errors.js';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** The 32 bytes of `X-Hub-Signature-256: sha256=<hex>`, or undefined when it is missing or not that shape. */
export function parseSignature(header: string | undefined): Buffer | undefined {
  const m = header === undefined ? null : SIGNATURE.exec(header.trim());
  return m ? Buffer.from(m[1]!, 'hex') : undefined;
}

/** 413 from the headers alone: a declared length over the cap is refused before reading. */
export function declaredTooLarge(req: Pick<IncomingMessage, 'headers'>, maxBytes: number): boolean {
  const raw = req.headers['content-length'];
  if (raw === undefined) return false;
  const declared = Number(raw);
  // Not a number (Node already rejects most malformed lengths with a 400): treat as too large.
  return !Number.isFinite(declared) || declared > maxBytes;
}

/**
 * How slowly a body may arrive. GitHub sends a delivery at once (it gives up after 10 s); a body
 * that takes longer than `deadlineMs`, or after `graceMs` has averaged under `minBytesPerSecond`,
 * is a client holding a reading slot, and is cut (408). When every slot is taken, a reader older
 * than `evictAfterMs` averaging under that rate gives its slot to the newcomer at once.
 */
export interface BodyPace { deadlineMs: number; graceMs: number; minBytesPerSecond: number; evictAfterMs: number }

export const DEFAULT_BODY_PACE: BodyPace = { deadlineMs: 5_000, graceMs: 1_000, minBytesPerSecond: 64 * 1024, evictAfterMs: 250 };

/** A body being read: how far it got, and how to cut it (its reading slot is taken back). */
export interface BodyReader { started: number; size: number; cut(reason: string): void }

/** Whether a reader is slower than the pace allows, `now`, once `evictAfterMs` old. */
export function tooSlow(reader: BodyReader, pace: BodyPace, now: number): boolean {
  const elapsed = now - reader.started;
  return elapsed >= pace.evictAfterMs && reader.size < (pace.minBytesPerSecond * elapsed) / 1000;
}
/** How often the pace is checked while a body is read. */
const PACE_CHECK_MS = 100;

/**
 * Reads the body, at most `maxBytes`, at the pace `pace` allows. Past the cap the request is
 * paused (nothing more is read) and the promise rejects with a 413 WebhookError; too slow, with a
 * 408 one. The caller answers first, then cuts the connection.
 */
export function readBody(req: IncomingMessage, options: { maxBytes: number; pace?: BodyPace; now?: () => number; reader?: (r: BodyReader) => void }): Promise<Buffer> {
  const { maxBytes, pace = DEFAULT_BODY_PACE, now = Date.now } = options;
  const started = now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      req.off('data', onData);
      if (err) { chunks.length = 0; req.pause(); reject(err); }
    };
    const timer = setInterval(() => {
      const elapsed = now() - started;
      if (elapsed > pace.deadlineMs) finish(new WebhookError('WebhookTooSlow', `the body did not arrive within ${pace.deadlineMs} ms`, 408));
      else if (elapsed > pace.graceMs && size < (pace.minBytesPerSecond * elapsed) / 1000) {
        finish(new WebhookError('WebhookTooSlow', `the body arrives slower than ${pace.minBytesPerSecond} bytes/s`, 408));
      }
    }, PACE_CHECK_MS);
    timer.unref();
    const reader: BodyReader = { started, size: 0, cut: (reason) => finish(new WebhookError('WebhookTooSlow', reason, 408)) };
    options.reader?.(reader);
    const onData = (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      reader.size = size;
      if (size > maxBytes) return finish(new WebhookError('WebhookTooLarge', `payload over ${maxBytes} bytes`, 413));
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (done) return;
      finish();
      resolve(Buffer.concat(chunks, size));
    });
    req.once('error', (err) => finish(err));
    req.once('close', () => finish(new WebhookError('WebhookBadRequest', 'the client closed the connection before the body ended', 400)));
  });
}

/** The secrets (of those given) whose HMAC-SHA256 of `body` equals `signature`, compared in constant time. */
export function matchingSecrets(body: Buffer, secrets: readonly string[], signature: Buffer): string[] {
  return [...new Set(secrets)].filter((s) => timingSafeEqual(createHmac('sha256', s).update(body).digest(), signature));
}
