import { startTracing } from '@app/runtime/tracing';

/** Imported first by main.ts: tracing must start before the modules it instruments load. */
startTracing('api');
