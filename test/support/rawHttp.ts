import { connect } from 'node:net';

export type RawResponse = { status: number; headers: Record<string, string>; body: string };

/**
 * Sends bytes as they are on a fresh TCP connection and reads the answer until the server closes the
 * connection or a complete response has arrived: for requests no HTTP client would send (broken framing,
 * missing Host, giant headers, a half-closed connection).
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  { timeoutMs = 10_000, halfClose = false }: { timeoutMs?: number; halfClose?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      const text = Buffer.concat(chunks).toString('utf8');
      const parsed = parseResponse(text);
      if (!parsed) return;
      settled = true;
      socket.destroy();
      resolve(parsed);
    };
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      if (!settled)
        reject(new Error(`no complete answer in ${timeoutMs} ms: ${Buffer.concat(chunks).toString()}`));
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      finish();
    });
    socket.on('end', finish);
    socket.on('close', () => {
      finish();
      if (!settled)
        reject(new Error(`connection closed without an answer: ${Buffer.concat(chunks).toString()}`));
    });
    socket.on('error', () => undefined); // a reset after the answer is fine; no answer is reported on close
    // halfClose: the client closes its side once the request is sent, and only reads from then on.
    socket.on('connect', () => (halfClose ? socket.end(request) : socket.write(request)));
  });
}

/** The first complete HTTP/1.1 response in `text` (Content-Length framed), or undefined. */
function parseResponse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = Buffer.from(text.slice(end + 4), 'utf8');
  if (body.length < length) return undefined;
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: body.subarray(0, length).toString('utf8'),
  };
}
