import type { ReadStore } from '@app/read-store';
import { APP_CONFIG, type AppConfig, readModelCheckpoints, storedPosition } from '@app/runtime';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ReadModelProgress } from './readModelProgress';
import { READ_STORE } from './tokens';

/** Polls fast while a request waits for its write, slowly otherwise (for /health). */
const WAITING_POLL_MS = 5;
const IDLE_POLL_MS = 1000;

/**
 * Cluster mode: projectors apply the log, one checkpoint per partition of the events topic. The read
 * models have reached position P when every partition's checkpoint has - the relay's watermarks move
 * partitions that received no event - so the position is the minimum over all partitions.
 */
@Injectable()
export class ProjectorCheckpoints
  extends ReadModelProgress
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(ProjectorCheckpoints.name);
  private readonly names: string[];
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.names = readModelCheckpoints(config);
  }

  private polling = false;

  async onApplicationBootstrap(): Promise<void> {
    await this.poll();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  override waitFor(position: number, timeoutMs: number): Promise<boolean> {
    const reached = super.waitFor(position, timeoutMs);
    // A new waiter should not sit out an idle interval; a poll in flight reschedules by itself.
    if (this.position < position && !this.polling) this.schedule(WAITING_POLL_MS);
    return reached;
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      this.advanceTo(await storedPosition(this.readStore, this.names));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the projector checkpoints');
    } finally {
      this.polling = false;
    }
    this.schedule(this.waiting ? WAITING_POLL_MS : IDLE_POLL_MS);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }
}
