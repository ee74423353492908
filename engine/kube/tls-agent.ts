/**
 * The keep-alive HTTPS agent of the engine's API client, one per set of TLS material, found per
 * request without allocating: the kubeconfig hands the same Buffers to every request, so the
 * material is compared by reference first and by content (memcmp) only when the references
 * differ. (It was keyed by a SHA-256 of JSON.stringify of the material: Buffer's toJSON made that
 * an array of numbers, ~15 KB of garbage per request, the engine's largest source of garbage at
 * 1,000 apps.)
 */
import { Agent as HttpsAgent, type AgentOptions, type RequestOptions } from 'node:https';

/** The request options that decide the TLS connection (a different value needs another agent). */
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;
type TlsField = typeof TLS_FIELDS[number];
export type TlsMaterial = Partial<Pick<RequestOptions, TlsField>>;

/** Pure: the TLS fields of request options. */
export function tlsMaterial(options: RequestOptions): TlsMaterial {
  const tls: TlsMaterial = {};
  for (const f of TLS_FIELDS) if (options[f] !== undefined) (tls as Record<string, unknown>)[f] = options[f];
  return tls;
}

/** Pure: same TLS material (same references, or equal bytes and values). */
export function sameTls(a: TlsMaterial, b: TlsMaterial): boolean {
  return TLS_FIELDS.every((f) => sameValue(a[f], b[f]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return false;
}

/**
 * An agent for one TLS material. Node names each connection pool by the request's options,
 * certificates and key included (`https.Agent#getName` concatenates them as strings: ~4 KB per
 * request); here they are the agent's own and the same for every request, so the name is the
 * address alone.
 */
class SingleTlsAgent extends HttpsAgent {
  override getName(options: RequestOptions = {}): string {
    return `${options.host ?? 'localhost'}:${options.port ?? ''}:${options.localAddress ?? ''}:${options.family ?? ''}:${options.servername ?? ''}`;
  }
}

/** The current agent; a new one (and the old one's sockets closed) when the TLS material changes (rotated certificates). */
export class TlsAgents {
  private current?: { tls: TlsMaterial; agent: HttpsAgent };
  /** Agents made so far (tests). */
  created = 0;

  constructor(private readonly options: AgentOptions = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }) {}

  for(options: RequestOptions): HttpsAgent {
    const tls = tlsMaterial(options);
    if (this.current && sameTls(this.current.tls, tls)) {
      // Equal bytes in new Buffers: keep the new references, so the next comparison is by reference.
      this.current.tls = tls;
      return this.current.agent;
    }
    this.current?.agent.destroy();
    // Idle sockets are unref'd by Node's agent, so they never keep the process alive.
    this.current = { tls, agent: new SingleTlsAgent({ ...this.options, ...tls } as AgentOptions) };
    this.created++;
    return this.current.agent;
  }

  /** Closes the agent's sockets (tests and shutdown). */
  close(): void {
    this.current?.agent.destroy();
    this.current = undefined;
  }
}
