import { partitionCheckpoint, topicsFor } from '@app/messaging';
import type { ReadStore } from '@app/read-store';
import { createHash } from 'node:crypto';
import { freePort, waitFor } from '../../scripts/infra/common';
import { FERRETDB_CLIENT_ENV, KAFKA, MONGO, serverAddress } from './servers';
import { WorkerProcess } from './workers';

/** The shared servers jest's global setup started (see ./servers.ts). */
export type ClusterServers = { brokers: string; mongoUrl: string };

/** The shared Kafka and FerretDB, or why global setup did not start them. */
export function sharedServers(): { servers: ClusterServers } | { missing: string } {
  const brokers = serverAddress(KAFKA);
  const mongoUrl = serverAddress(MONGO);
  if (brokers && mongoUrl) return { servers: { brokers, mongoUrl } };
  const reasons = [KAFKA, MONGO]
    .filter((server) => !serverAddress(server))
    .map((server) => process.env[`${server.env}_SKIP`] ?? `${server.env} is not set`);
  return { missing: reasons.join('; ') };
}

/**
 * Where one cluster-mode deployment lives on the shared broker and FerretDB: a topic prefix and a database
 * of its own, both derived from the data dir, so an api reopening that dir finds its topics, consumer
 * group offsets and read models again. `env` configures the api, the relay and the projectors alike.
 */
export type ClusterDeployment = {
  prefix: string;
  topics: ReturnType<typeof topicsFor>;
  partitions: number;
  /** One per partition of the events topic; the read models have reached P when all of them have. */
  checkpointNames: string[];
  env: Record<string, string>;
};

export function clusterDeployment(
  servers: ClusterServers,
  { dataDir, partitions }: { dataDir: string; partitions: number },
): ClusterDeployment {
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const prefix = `e2e-${id}.`;
  const topics = topicsFor(prefix);
  return {
    prefix,
    topics,
    partitions,
    checkpointNames: Array.from({ length: partitions }, (_, p) => partitionCheckpoint(topics.events, p)),
    env: {
      DATA_DIR: dataDir,
      KAFKA_BROKERS: servers.brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: String(partitions),
      MONGO_URL: `${servers.mongoUrl}e2e_${id}`,
      ...FERRETDB_CLIENT_ENV,
      // A relay that was killed rather than stopped is replaced quickly.
      RELAY_LEASE_TTL_MS: '1500',
    },
  };
}

/**
 * The relay and the projectors of a deployment as OS processes, each on a port of its own so the test can
 * ask them what an orchestrator's readiness probe would: does the relay hold the lease, do the projectors
 * own every partition.
 */
export class ClusterWorkers {
  private constructor(
    readonly relay: WorkerProcess,
    readonly projectors: WorkerProcess[],
    private readonly ports: Map<WorkerProcess, number>,
    private readonly partitions: number,
  ) {}

  get workers(): WorkerProcess[] {
    return [this.relay, ...this.projectors];
  }

  static async start(deployment: ClusterDeployment, projectors: number): Promise<ClusterWorkers> {
    const ports = new Map<WorkerProcess, number>();
    const create = async (app: 'relay' | 'projector') => {
      const port = await freePort();
      const worker = new WorkerProcess(app, { ...deployment.env, PORT: String(port) });
      ports.set(worker, port);
      return worker;
    };
    const relay = await create('relay');
    const members: WorkerProcess[] = [];
    for (let i = 0; i < projectors; i++) members.push(await create('projector'));
    const workers = new ClusterWorkers(relay, members, ports, deployment.partitions);
    workers.workers.forEach((worker) => worker.start());
    return workers;
  }

  /**
   * Resolves once the relay holds its lease and the projectors between them own every partition of the
   * events topic: from then on an appended event reaches the read models without a cold start on the way.
   */
  async ready(timeoutMs = 60_000): Promise<void> {
    let state = 'no answer yet';
    try {
      await waitFor(
        'relay and projectors',
        async () => {
          const [relayActive, owned] = await Promise.all([this.relayActive(), this.ownedPartitions()]);
          state = `relay active: ${relayActive}, partitions owned: ${[...owned].join(',') || 'none'} of ${this.partitions}`;
          return relayActive && owned.size === this.partitions;
        },
        { timeoutMs, intervalMs: 200, alive: () => this.workers.every((worker) => worker.running) },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message} (${state})\n${this.output()}`);
    }
  }

  /** SIGTERM to every worker at once: a clean stop (the relay releases its lease). */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }

  /** The tail of every worker's log, to explain a failure. */
  output(): string {
    return this.workers.map((w) => `[${w.app}] ${w.output.slice(-3000)}`).join('\n');
  }

  private async relayActive(): Promise<boolean> {
    const metrics = await this.get(this.relay, '/metrics');
    return typeof metrics === 'string' && /^relay_active 1$/m.test(metrics);
  }

  private async ownedPartitions(): Promise<Set<number>> {
    const owned = new Set<number>();
    for (const projector of this.projectors) {
      const health = await this.get(projector, '/health');
      const partitions: unknown = (health as any)?.info?.readStore?.partitions;
      if (Array.isArray(partitions)) partitions.forEach((p) => owned.add(p));
    }
    return owned;
  }

  /** The worker's answer, or undefined while it is not listening yet. */
  private async get(worker: WorkerProcess, path: string): Promise<unknown> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.ports.get(worker)}${path}`);
      const text = await response.text();
      return response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    } catch {
      return undefined;
    }
  }
}

/**
 * Resolves with the head position once every partition's checkpoint in `readStore` has reached it.
 * `explain` adds context (say, the workers' logs) to the timeout error.
 */
export async function checkpointsReached(
  readStore: ReadStore,
  deployment: ClusterDeployment,
  head: number,
  { timeoutMs, explain }: { timeoutMs: number; explain: () => string },
): Promise<number> {
  let stored = new Map<string, number>();
  try {
    await waitFor(
      `read models at head ${head}`,
      async () => {
        stored = await readStore.checkpoints(deployment.prefix);
        return deployment.checkpointNames.every((name) => (stored.get(name) ?? 0) >= head);
      },
      { timeoutMs, intervalMs: 100 },
    );
  } catch {
    throw new Error(`read models behind head ${head}: ${JSON.stringify([...stored])}\n${explain()}`);
  }
  return head;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
