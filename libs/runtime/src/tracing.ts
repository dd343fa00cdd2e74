import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { loadConfig } from './config';

export type TracedProcess = 'api' | 'relay' | 'projector';

let sdk: NodeSDK | undefined;

/** Requests that are not work: orchestrators' probes and Prometheus' scrapes. */
const NOT_WORK = /^\/(health|metrics)\b/;

/**
 * OpenTelemetry tracing for one process, on when OTEL_EXPORTER_OTLP_ENDPOINT is set (spans go there over
 * OTLP/HTTP), off otherwise. Each app's main module imports its `instrument` file first, which calls
 * this before http, Fastify, kafkajs and the MongoDB driver are loaded, so their instrumentations apply.
 *
 * One command's trace: the api's HTTP span, its `append` span (whose context is written into each
 * event's metadata as `traceparent`), the relay's `publish` span (a child of that, carried in the Kafka
 * message's `traceparent` header) and the projector's `project` span (a child of the header's).
 * The relay sends many commands' events in one send, which kafkajs's instrumentation would parent to
 * one context: it loads no kafkajs instrumentation and makes a producer span per event itself.
 */
export function startTracing(
  service: TracedProcess,
  env: Record<string, string | undefined> = process.env,
): void {
  const endpoint = loadConfig(env).OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || sdk) return;
  sdk = new NodeSDK({
    serviceName: service,
    traceExporter: new OTLPTraceExporter({ url: new URL('v1/traces', endpoint.replace(/\/?$/, '/')).href }),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => NOT_WORK.test(request.url ?? '') }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true }),
      new MongoDBInstrumentation(),
      ...(service === 'projector' ? [new KafkaJsInstrumentation()] : []),
    ],
  });
  sdk.start();
}

/** Sends the spans still buffered and stops tracing (at shutdown). */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
}
