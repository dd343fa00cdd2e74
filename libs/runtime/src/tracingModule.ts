import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { stopTracing } from './tracing';

@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  /** Inside Nest's shutdown, before the process exits: the last spans are sent, not lost. */
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}

/** Flushes and stops the process's tracing when its Nest application shuts down. */
@Module({ providers: [TracingShutdown] })
export class TracingModule {}
