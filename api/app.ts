/**
 * The Express application: JSON body parsing with a size limit, health endpoints, and a JSON
 * 404/500 with a machine-readable code and a human message. Later issues mount the checkout,
 * admin and webhook routers here.
 */
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Logger } from '../lib/logger';
import type { ReadinessProbe } from '../lib/readiness';
import { healthRoutes } from './health';

export interface AppDeps {
  readiness: ReadinessProbe;
  log: Logger;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(express.json({ limit: '100kb' }));
  app.use(healthRoutes(deps.readiness));

  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `No route for ${req.method} ${req.path}` } });
  });
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status === 400 && typeof err === 'object' && err !== null && 'type' in err && err.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'invalid_json', message: 'The request body is not valid JSON' } });
      return;
    }
    if (status === 413) {
      res.status(413).json({ error: { code: 'payload_too_large', message: 'The request body is larger than 100 kB' } });
      return;
    }
    deps.log.error({ err, method: req.method, path: req.path }, 'unhandled API error');
    res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong on our side; the request may be retried' } });
  };
  app.use(onError);
  return app;
}
