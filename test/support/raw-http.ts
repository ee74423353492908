/**
 * A raw HTTP/1.1 client over a TCP socket, for what fetch will not do: lie in Content-Length,
 * send headers and stop, trickle a body, keep writing after the answer. Resolves with what the
 * server said (if anything) once the server closed the connection or the caller ends it.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** Status of the first response, undefined when the server closed without answering. */
  status?: number;
  headers: Record<string, string>;
  text: string;
  /** The server closed the connection (FIN or reset). */
  closed: boolean;
}

export interface RawConnection {
  socket: Socket;
  write(data: string | Buffer): boolean;
  /** Resolves when a full response head arrived (or the connection closed first). */
  response: Promise<RawAnswer>;
  /** Resolves when the connection is closed by either side. */
  closed: Promise<RawAnswer>;
  /** Bytes the server accepted from us (written to the socket without error). */
  written(): number;
  destroy(): void;
}

export function rawConnect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let data = '';
    let sent = 0;
    let gotResponse: (a: RawAnswer) => void = () => {};
    let gotClose: (a: RawAnswer) => void = () => {};
    const response = new Promise<RawAnswer>((r) => { gotResponse = r; });
    const closed = new Promise<RawAnswer>((r) => { gotClose = r; });
    const answer = (isClosed: boolean): RawAnswer => {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return { headers: {}, text: '', closed: isClosed };
      const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      return { status: Number(statusLine!.split(' ')[1]), headers, text: data.slice(end + 4), closed: isClosed };
    };
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const a = answer(false);
      if (a.status !== undefined) gotResponse(a);
    });
    socket.on('error', () => {}); // EPIPE/ECONNRESET after the server's answer: expected
    socket.on('close', () => { const a = answer(true); gotResponse(a); gotClose(a); });
    socket.once('connect', () => resolve({
      socket,
      write(d) {
        if (socket.destroyed || !socket.writable) return false;
        const n = typeof d === 'string' ? Buffer.byteLength(d) : d.length;
        return socket.write(d, (err) => { if (!err) sent += n; });
      },
      response, closed,
      written: () => sent,
      destroy: () => socket.destroy(),
    }));
    socket.once('error', reject);
  });
}

/** A request head (CRLF line endings, blank line included). */
export function requestHead(method: string, path: string, headers: Record<string, string | number>): string {
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
}
