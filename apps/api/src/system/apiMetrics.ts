import type { EventStore } from '@app/event-store';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Scope } from '../http/auth/apiKeys';

/**
 * What the api measures besides prom-client's defaults (event-loop delay, GC, memory): requests by route
 * and status, appends to the event store, read-model lag and rate-limit refusals. One registry per api
 * instance (several run in one test process), served at /metrics.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  readonly requests = new Counter({
    registers: this.registers,
    name: 'http_requests_total',
    help: 'Requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
  });
  readonly requestSeconds = new Histogram({
    registers: this.registers,
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  readonly appendSeconds = new Histogram({
    registers: this.registers,
    name: 'event_store_append_duration_seconds',
    help: 'Time an append to the event store took to return (durable), group-commit wait included',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
  });
  readonly groupCommitSize = new Histogram({
    registers: this.registers,
    name: 'event_store_group_commit_appends',
    help: 'Appends committed together in one transaction and fsync (embedded event store)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  });
  readonly rateLimited = new Counter({
    registers: this.registers,
    name: 'http_rate_limited_total',
    help: 'Requests refused by a rate limit: per client address (unauthenticated) or per key and scope',
    labelNames: ['limit', 'scope'],
  });
  readonly streamConnections = new Gauge({
    registers: this.registers,
    name: 'stream_connections',
    help: 'Open /v1/stream connections that presented a valid credential',
  });
  readonly streamConflated = new Counter({
    registers: this.registers,
    name: 'stream_conflated_updates_total',
    help: 'Stream updates held back for a slow reader and merged into its next one (the latest state wins)',
  });
  readonly streamClosed = new Counter({
    registers: this.registers,
    name: 'stream_closed_total',
    help: 'Stream connections the api closed, by close code (docs/realtime.md)',
    labelNames: ['code'],
  });
  private log: { head: () => Promise<number>; applied: () => number } = {
    head: async () => 0,
    applied: () => 0,
  };

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const log = () => this.log;
    new Gauge({
      registers: this.registers,
      name: 'event_store_head_position',
      help: "Position of the last event in the log (the relay's lag: this minus relay_checkpoint_position)",
      async collect() {
        this.set(await log().head());
      },
    });
    new Gauge({
      registers: this.registers,
      name: 'read_model_lag_events',
      help: 'Events in the log the read models this api serves have not applied yet',
      async collect() {
        this.set((await log().head()) - log().applied());
      },
    });
  }

  /** Where the log's head and the read models' position come from, read at each scrape. */
  watchLog(head: () => Promise<number>, applied: () => number): void {
    this.log = { head, applied };
  }

  /** The event store, with each append timed. */
  timedAppends<Store extends Pick<EventStore, 'appendToStream'>>(store: Store): Store {
    const append = store.appendToStream.bind(store);
    store.appendToStream = async (...args) => {
      const end = this.appendSeconds.startTimer();
      try {
        return await append(...args);
      } finally {
        end();
      }
    };
    return store;
  }

  /** Counts and times every answered request under its route's pattern (never the raw URL). */
  observeRequests(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      };
      this.requests.inc(labels);
      this.requestSeconds.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }

  rateLimitRefused(limit: 'address' | 'key', scope?: Scope): void {
    this.rateLimited.inc({ limit, scope: scope ?? 'none' });
  }
}
