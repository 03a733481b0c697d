/**
 * Prometheus metrics on a registry owned by one app instance (never prom-client's global default), so
 * tests can build many apps in one process without "metric already registered" errors.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export interface Metrics {
  registry: Registry
  chatRequests: Counter<'model' | 'finish_reason'>
  tokens: Counter<'model' | 'pool'>
  creditsCharged: Counter<'model'>
  insufficientCredits: Counter<'route'>
  activeHolds: Gauge
  activeStreams: Gauge
  settlementFailures: Counter
  toolCalls: Counter<'tool'>
  httpDuration: Histogram<'method' | 'route' | 'status'>
}

/**
 * @example
 * ```ts
 * const metrics = createMetrics()
 * metrics.chatRequests.inc({ model: 'demo-model', finish_reason: 'stop' })
 * const text = await metrics.registry.metrics()
 * ```
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  return {
    registry,
    chatRequests: new Counter({
      name: 'chat_requests_total',
      help: 'Metered chat runs by model and finish reason',
      labelNames: ['model', 'finish_reason'],
      registers,
    }),
    tokens: new Counter({
      name: 'chat_tokens_total',
      help: 'Tokens used by metered chat runs, by model and pool',
      labelNames: ['model', 'pool'],
      registers,
    }),
    creditsCharged: new Counter({
      name: 'credits_charged_total',
      help: 'Whole credits charged by chat runs and tools',
      labelNames: ['model'],
      registers,
    }),
    insufficientCredits: new Counter({
      name: 'insufficient_credits_total',
      help: 'Requests answered 402 insufficient_credits',
      labelNames: ['route'],
      registers,
    }),
    activeHolds: new Gauge({
      name: 'active_holds',
      help: 'Credit holds opened by this process and not yet resolved',
      registers,
    }),
    activeStreams: new Gauge({ name: 'active_streams', help: 'Open chat streams', registers }),
    settlementFailures: new Counter({
      name: 'settlement_failures_total',
      help: 'Chat runs whose settlement failed (the hold is left for the sweeper)',
      registers,
    }),
    toolCalls: new Counter({
      name: 'tool_calls_total',
      help: 'Server tool executions by tool',
      labelNames: ['tool'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency (time to response headers for streams)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  }
}
