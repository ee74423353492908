import { RiaError } from '../errors.js';

export interface KubeObjectRef { apiVersion: string; kind: string; namespace?: string; name: string }

export function refString(ref: KubeObjectRef): string {
  return `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** A request to the Kubernetes API failed. `status` is the HTTP status (0 when the server was not reached). */
export class KubeApiError extends RiaError {
  readonly status: number;
  readonly reason: string | undefined;

  constructor(action: string, ref: KubeObjectRef | undefined, status: number, detail: string, reason?: string, cause?: unknown) {
    const target = ref ? ` ${refString(ref)}` : '';
    super('KubeApiError', `${action}${target}: ${detail}`, { status, reason, object: ref }, { cause });
    this.status = status;
    this.reason = reason;
  }
}

/** Turns whatever the client library threw into a KubeApiError with the server's own message. */
export function toKubeApiError(action: string, ref: KubeObjectRef | undefined, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (isApiException(err)) {
    const body = parseBody(err.body);
    return new KubeApiError(action, ref, err.code, body?.message ?? `HTTP ${err.code}`, body?.reason, err);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new KubeApiError(action, ref, 0, `API server unreachable: ${message}`, undefined, err);
}

/**
 * client-node's ApiException (from tests that still pass its typed clients in, e.g. CoordinationV1Api to the Lease client),
 * recognised by its shape: importing the class would load client-node into the engine process.
 */
function isApiException(err: unknown): err is Error & { code: number; body: unknown } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && 'body' in err && err.constructor.name === 'ApiException';
}

function parseBody(body: unknown): { message?: string; reason?: string } | undefined {
  if (body && typeof body === 'object') return body as { message?: string; reason?: string };
  if (typeof body === 'string') {
    try { return JSON.parse(body) as { message?: string; reason?: string }; } catch { return { message: body.slice(0, 500) }; }
  }
  return undefined;
}

export const isNotFound = (err: unknown) => err instanceof KubeApiError && err.status === 404;
export const isConflict = (err: unknown) => err instanceof KubeApiError && err.status === 409;
