/**
 * Reading a webhook body as a hostile client would send it: never more than the cap (a declared
 * Content-Length over it is refused before a byte is read, a chunked body that passes it is cut
 * off), and the HMAC computed chunk by chunk as the bytes arrive, so checking the signature needs
 * no second pass and no copy into a string. The body is only parsed once a signature matched.
 */
import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
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

export interface SignedBody {
  body: Buffer;
  /** The secrets (of those given) whose HMAC of the body equals the signature; empty when none. */
  matched: string[];
}

/**
 * Reads the body, at most `maxBytes`, computing HMAC-SHA256 with each secret as chunks arrive,
 * and compares each digest with `signature` in constant time. Past the cap the request is
 * destroyed (nothing more is read) and the promise rejects with a 413 WebhookError; the caller
 * answers first, since the socket may still take the response before it closes.
 */
export function readSignedBody(req: IncomingMessage, options: { maxBytes: number; secrets: readonly string[]; signature: Buffer }): Promise<SignedBody> {
  const { maxBytes, signature } = options;
  const secrets = [...new Set(options.secrets)];
  const hmacs: Hmac[] = secrets.map((s) => createHmac('sha256', s));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) reject(err);
    };
    const onData = (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        req.pause();
        finish(new WebhookError('WebhookTooLarge', `payload over ${maxBytes} bytes`, 413));
        return;
      }
      chunks.push(chunk);
      for (const h of hmacs) h.update(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (done) return;
      finish();
      const matched = secrets.filter((_s, i) => timingSafeEqual(hmacs[i]!.digest(), signature));
      resolve({ body: Buffer.concat(chunks, size), matched });
    });
    req.once('error', (err) => finish(err));
    req.once('close', () => finish(new WebhookError('WebhookBadRequest', 'the client closed the connection before the body ended', 400)));
  });
}
