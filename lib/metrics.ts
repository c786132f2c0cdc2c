/**
 * Prometheus metrics (prom-client), one registry per process: HTTP request latency, order
 * workflow actions by outcome, and Amazon Pay calls by operation and reason code. The API serves
 * them on /metrics; the Amazon Pay client (lib/amazon-pay-client.ts) counts every Amazon call through `amazonCalls`.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'API request latency by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const workflowActions = new Counter({
  name: 'order_workflow_actions_total',
  help: 'Actions sent to order workflows by action and outcome',
  labelNames: ['action', 'outcome'] as const,
  registers: [registry],
});

export const amazonCalls = new Counter({
  name: 'amazon_pay_calls_total',
  help: 'Amazon Pay API calls by operation and result (OK or reason code)',
  labelNames: ['operation', 'result'] as const,
  registers: [registry],
});

/** Projection writes (the order row and its history rows) by outcome: a failure never blocks the order's money commands; it is retried later. */
export const projectionWrites = new Counter({
  name: 'order_projection_writes_total',
  help: 'Writes of the order projection (order row and payment history) by outcome: ok or failed',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** Event delivery attempts by outcome (docs/events.md, Delivery): delivered, retried, refused, failed, or not_sent (no secret to sign with). */
export const eventDeliveries = new Counter({
  name: 'event_deliveries_total',
  help: 'Attempts to deliver an event to an endpoint by outcome: delivered, retried, refused, failed or not_sent',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** Audit log entries (docs/audit.md) by outcome: written, failed (the database refused them twice) or dropped (the writer's queue was full). */
export const auditWrites = new Counter({
  name: 'audit_log_writes_total',
  help: 'Audit log entries by outcome: written, failed or dropped',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
