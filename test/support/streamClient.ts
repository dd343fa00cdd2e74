import WebSocket from 'ws';

export type StreamMessage = {
  type: 'snapshot' | 'update' | 'error';
  /** The subscription's id: in its first message (and errors); later updates name the topic only. */
  id?: string;
  topic?: string;
  /** The subscription a message belongs to, by its id or its topic (set on receipt, not sent). */
  subscription: string;
  position: number;
  after?: number;
  changes?: number[];
  reason?: string;
  code?: string;
  data?: any;
};
export type Closed = { code: number; reason: string };

/**
 * A /v1/stream client as a game server or client would run one (the `ws` package), recording every
 * message, with waits that end as soon as what they wait for arrives.
 */
export class StreamClient {
  readonly messages: StreamMessage[] = [];
  readonly closed: Promise<Closed>;
  /** Settles when the connection opens, or fails to. */
  private readonly open: Promise<void>;
  /** Messages sent before the connection opened, sent once it does. */
  private readonly unsent: string[] = [];
  private readonly listeners = new Set<() => void>();
  /** Which subscription each topic is, from the first message of each subscription. */
  private readonly topics = new Map<string, string>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Omit<StreamMessage, 'subscription'>;
      if (message.id !== undefined && message.topic !== undefined) this.topics.set(message.topic, message.id);
      const subscription = message.id ?? this.topics.get(message.topic!);
      if (subscription === undefined) throw new Error(`a message of no subscription: ${data.toString()}`);
      this.messages.push({ ...message, subscription });
      for (const listener of this.listeners) listener();
    });
    // A refused or dropped connection is what some specs wait for: its error is seen through `closed`.
    socket.on('error', () => undefined);
    // One listener each, however many sends and waits come before the connection opens.
    this.open = new Promise((resolve, reject) => {
      socket.once('open', () => {
        for (const text of this.unsent.splice(0)) socket.send(text);
        resolve();
      });
      socket.once('error', reject);
    });
    this.open.catch(() => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const listener of this.listeners) listener();
      }),
    );
  }

  /** Opens a connection with an API key or session token in the Authorization header, or `?token=`. */
  static connect(
    apiUrl: string,
    credential: { bearer?: string; query?: string } = {},
    options: WebSocket.ClientOptions = {},
  ): StreamClient {
    const url = `${apiUrl.replace(/^http/, 'ws')}/v1/stream${credential.query ? `?token=${credential.query}` : ''}`;
    const headers = credential.bearer ? { authorization: `Bearer ${credential.bearer}` } : undefined;
    return new StreamClient(new WebSocket(url, { headers, ...options }));
  }

  opened(): Promise<void> {
    return this.open;
  }

  /** Sends now, or once the connection is open. */
  send(message: object): void {
    const text = JSON.stringify(message);
    if (this.socket.readyState === WebSocket.CONNECTING) this.unsent.push(text);
    else this.socket.send(text);
  }

  subscribe(id: string, topic: object, from?: number): void {
    this.send({ type: 'subscribe', id, topic, ...(from === undefined ? {} : { from }) });
  }

  /** The messages of one subscription so far. */
  of(id: string): StreamMessage[] {
    return this.messages.filter((message) => message.subscription === id);
  }

  /** Resolves once `condition` holds over the messages received; rejects if the socket closes first. */
  until<T>(condition: (messages: StreamMessage[]) => T | undefined | false, what = 'a message'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const result = condition(this.messages);
        if (result !== undefined && result !== false) {
          this.listeners.delete(check);
          resolve(result);
        } else if (this.socket.readyState === WebSocket.CLOSED) {
          this.listeners.delete(check);
          reject(new Error(`closed while waiting for ${what}: ${JSON.stringify(this.messages.slice(-3))}`));
        }
      };
      this.listeners.add(check);
      check();
    });
  }

  /** The `n`th message (1-based) of subscription `id`. */
  nth(id: string, n: number): Promise<StreamMessage> {
    return this.until(() => this.of(id)[n - 1], `message ${n} of ${id}`);
  }

  close(): Promise<Closed> {
    this.socket.resume();
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    else if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    return this.closed;
  }
}
