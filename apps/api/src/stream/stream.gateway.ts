import type { IncomingMessage } from 'node:http';
import { APP_CONFIG, type AppConfig } from '@app/runtime';
import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { type ApiKey, authenticate } from '../http/auth/apiKeys';
import { API_KEY_LIST } from '../http/auth/tokens';
import { ApiMetrics } from '../system/apiMetrics';
import { CLOSE, closeReason } from './protocol';
import { SessionRevocations } from './sessionRevocations';
import { SessionTokenError, SessionTokens, looksLikeSessionToken } from './sessionTokens';
import { type Listener, StreamConnection, type StreamLimits } from './streamConnection';
import { StreamHub } from './streamHub';

/** How often connections waiting for their socket to drain are looked at. */
const FLUSH_MS = 20;
const BEARER = /^Bearer (\S+)$/i;

/**
 * /v1/stream: WebSocket connections on the api's own port (@nestjs/platform-ws). A game server presents
 * an API key with `read` in the Authorization header; a game client a player session token, in that
 * header or (browsers cannot set headers) as `?token=`. Refusals close the socket with a 44xx code and a
 * reason (protocol.ts).
 */
@WebSocketGateway({ path: '/v1/stream', maxPayload: 16 * 1024, perMessageDeflate: false })
export class StreamGateway implements OnGatewayConnection<WebSocket>, OnModuleDestroy {
  private readonly logger = new Logger(StreamGateway.name);
  private readonly connections = new Set<StreamConnection>();
  private readonly draining = new Set<StreamConnection>();
  private readonly limits: StreamLimits;
  private readonly pinger: NodeJS.Timeout;
  private readonly flusher: NodeJS.Timeout;

  constructor(
    private readonly hub: StreamHub,
    private readonly sessions: SessionTokens,
    @Inject(API_KEY_LIST) private readonly apiKeys: readonly ApiKey[],
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: ApiMetrics,
    private readonly revocations: SessionRevocations,
  ) {
    revocations.onRevoked((playerId, revokedAt) => {
      for (const connection of this.connections) {
        const { listener } = connection;
        if (
          listener.kind === 'player' &&
          listener.playerId === playerId &&
          listener.issuedAt.getTime() <= revokedAt
        )
          connection.close(CLOSE.unauthorized, 'session token revoked');
      }
    });
    this.limits = {
      maxSubscriptions: config.STREAM_MAX_SUBSCRIPTIONS,
      subscribesPerSecond: config.STREAM_SUBSCRIBES_PER_SECOND,
      sendBufferBytes: config.STREAM_SEND_BUFFER_BYTES,
      maxPendingChanges: config.STREAM_MAX_PENDING_CHANGES,
    };
    this.pinger = setInterval(() => this.ping(), config.STREAM_PING_MS).unref();
    this.flusher = setInterval(() => this.flush(), FLUSH_MS).unref();
  }

  private readonly events = {
    conflated: () => this.metrics.streamConflated.inc(),
    closed: (code: number) => this.metrics.streamClosed.inc({ code }),
  };

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    // Messages that arrive while the credential is checked wait for it.
    const early: string[] = [];
    let connection: StreamConnection | undefined;
    let gone = false;
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (connection) return connection.receive(text);
      // Bounded: a client has no reason to send more than its subscriptions before it is let in.
      if (early.length === this.limits.maxSubscriptions) {
        this.events.closed(CLOSE.tooManyRequests);
        return socket.close(CLOSE.tooManyRequests, 'too many messages before the credential was checked');
      }
      early.push(text);
    });
    socket.on('close', () => {
      gone = true;
      if (!connection) return;
      connection.ended();
      if (this.connections.delete(connection)) this.metrics.streamConnections.dec();
      this.draining.delete(connection);
    });
    void this.identify(request).then(
      (listener) => {
        if (gone || socket.readyState !== socket.OPEN) return;
        connection = new StreamConnection(
          socket,
          listener,
          this.hub,
          this.limits,
          (waiting) => this.draining.add(waiting),
          this.events,
        );
        this.connections.add(connection);
        this.metrics.streamConnections.inc();
        socket.on('pong', () => (connection!.alive = true));
        if (listener.kind === 'player') this.expireAt(connection, listener.expiresAt);
        for (const text of early) connection.receive(text);
      },
      (error: unknown) => {
        this.events.closed(error instanceof Refusal ? error.code : 1011);
        if (error instanceof Refusal) return socket.close(error.code, closeReason(error.reason));
        this.logger.error({ err: error }, 'could not identify a stream connection');
        socket.close(1011, 'internal error');
      },
    );
  }

  onModuleDestroy(): void {
    clearInterval(this.pinger);
    clearInterval(this.flusher);
    for (const connection of this.connections) connection.close(1001, 'server shutting down');
    this.hub.close();
    this.revocations.close();
  }

  private async identify(request: IncomingMessage): Promise<Listener> {
    const header = request.headers.authorization;
    const bearer = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? undefined;
    const credential = bearer ?? query;
    if (credential === undefined)
      throw new Refusal(CLOSE.unauthorized, 'send Authorization: Bearer <api key or session token>');
    if (looksLikeSessionToken(credential)) {
      try {
        const session = await this.sessions.verify(credential);
        if (this.revocations.isRevoked(session.playerId, session.issuedAt))
          throw new Refusal(CLOSE.unauthorized, 'session token revoked');
        return { kind: 'player', ...session };
      } catch (error) {
        if (error instanceof Refusal || !(error instanceof SessionTokenError)) throw error;
        throw new Refusal(
          error.reason === 'expired' ? CLOSE.sessionExpired : CLOSE.unauthorized,
          error.message,
        );
      }
    }
    // API keys travel in the header only: a URL's query string ends up in proxies' logs.
    const key = bearer === undefined ? undefined : authenticate(this.apiKeys, bearer);
    if (!key) throw new Refusal(CLOSE.unauthorized, 'unknown API key');
    if (!key.scopes.has('read')) throw new Refusal(CLOSE.forbidden, 'the stream needs the read scope');
    return { kind: 'server', name: key.name };
  }

  private expireAt(connection: StreamConnection, expiresAt: Date): void {
    const timer = setTimeout(
      () => connection.close(CLOSE.sessionExpired, 'session token expired'),
      Math.max(0, expiresAt.getTime() - Date.now()),
    );
    timer.unref();
    connection.socket.once('close', () => clearTimeout(timer));
  }

  /** A connection that did not answer the previous ping is dropped; the others are pinged again. */
  private ping(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        this.logger.debug({ listener: connection.listener }, 'dropping a connection that stopped answering');
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  private flush(): void {
    for (const connection of this.draining) {
      connection.flush();
      if (connection.pending.size === 0) this.draining.delete(connection);
    }
  }
}

class Refusal {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {}
}
