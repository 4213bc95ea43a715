import type { FlushedStatus, FlushSummary, SyncStatus } from '../sync/sync-status.types.js';
import { ADMIN_SESSION_COOKIE } from './admin-session.cookie.js';
import type { JsonSchema, OpenApiDocument, OpenApiResponse, SecurityRequirement } from './openapi.types.js';

const text = (description?: string): JsonSchema => ({ type: 'string', description });
const nullable = (type: 'string' | 'integer', description?: string): JsonSchema => ({
  type: [type, 'null'],
  description,
});
const count = (description?: string): JsonSchema => ({ type: 'integer', minimum: 0, description });
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

// One entry per field of the TypeScript types: a field added there and not here does not compile.
const flushSummary: Record<keyof FlushSummary, JsonSchema> = {
  commit: nullable('string', 'The commit pushed to the branch; null when the branch already had the dataset.'),
  added: count(),
  updated: count(),
  deleted: count(),
  uploadedObjects: count('Objects uploaded to the DVC remote.'),
  rebases: count('Times the flush started over because the branch moved.'),
  merged: { type: 'boolean', description: "Merged with a teammate's version of the dataset." },
  durationMs: count(),
  finishedAt: { type: 'string', format: 'date-time' },
};

const syncStatus: Record<keyof SyncStatus, JsonSchema> = {
  bucket: text("The project's bucket."),
  pending: count('Changes acknowledged by the S3 API and not yet in a pushed commit.'),
  running: { type: 'boolean', description: 'A flush is running, or waiting for one of the SYNC_CONCURRENCY slots.' },
  lastCommit: nullable('string'),
  lastSyncAt: { type: ['string', 'null'], format: 'date-time' },
  lastError: nullable('string', 'Why the last flush failed (never a secret); null after a success.'),
  lastErrorAt: { type: ['string', 'null'], format: 'date-time' },
  consecutiveFailures: count(),
  nextRetryAt: { type: ['string', 'null'], format: 'date-time' },
  branch: text(),
  repository: text('The Git remote, without credentials.'),
  dataset: text('Path of the dataset in the repository.'),
  layout: { type: 'string', enum: ['json', 'jsonl', 'directory'] },
  remote: nullable('string', 'The DVC remote, without credentials; null until the branch has been read.'),
  rejected: {
    type: 'array',
    description: 'The first 100 objects left out of a JSON/JSONL dataset (not Label Studio JSON).',
    items: { type: 'object', required: ['key', 'reason'], properties: { key: text(), reason: text() } },
  },
  rejectedCount: count(),
  lastFlush: { oneOf: [ref('FlushSummary'), { type: 'null' }] },
  storage: {
    type: 'object',
    description: 'Whether the storage folder takes writes (false with the reason when, e.g., the disk is full).',
    required: ['ok'],
    properties: { ok: { type: 'boolean' }, error: text('Why writes fail (never a secret).') },
  },
};

const flushOutcome: Record<Exclude<keyof FlushedStatus, keyof SyncStatus>, JsonSchema> = {
  outcome: {
    type: 'string',
    enum: ['flushed', 'failed'],
    description: 'How this flush ended; `failed`: the reason is `lastError`, and the changes stay pending.',
  },
};

const bucketQuery = (what: string) => ({
  name: 'bucket',
  in: 'query' as const,
  required: false,
  description: `${what}; omitted: every project. A bucket no project serves answers 404.`,
  schema: { type: 'string' },
});
const unknownBucket: OpenApiResponse = { description: 'No project serves that bucket.', content: json(ref('Error')) };
const projectsOf = (schema: string): JsonSchema => ({
  type: 'object',
  required: ['projects'],
  properties: { projects: { type: 'array', items: ref(schema) } },
});

const remoteHealth = (extra: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  required: ['ok'],
  properties: { ok: { type: 'boolean' }, error: text('Why it is not usable (never a secret).'), ...extra },
});

const html = (description: string) => ({ description, content: { 'text/html': { schema: text() } } });
const redirect = (description: string): OpenApiResponse => ({
  description,
  headers: { Location: { schema: { type: 'string' } } },
});
const unauthorized: OpenApiResponse = {
  description: 'ADMIN_TOKEN is set and the request has neither the bearer token nor a session cookie.',
  content: json(ref('Error')),
};
const forbidden: OpenApiResponse = {
  description: 'A state-changing request from another site (Origin), or a session-cookie request without our Origin.',
  content: json(ref('Error')),
};
const guarded: SecurityRequirement[] = [{ bearer: [] }, { session: [] }, {}];

/**
 * The admin API, as GET /_admin/openapi.json serves it. Hand-written (no generator dependency): a spec checks
 * that every admin route the app registers is described here, and the schemas follow the TypeScript types.
 */
export const ADMIN_OPENAPI: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'DVC Sync S3 API: admin',
    version: '1',
    description:
      'Health, sync status and flush, metrics and the status page of the DVC Sync S3 API. When ADMIN_TOKEN is set, ' +
      'every endpoint but health needs `Authorization: Bearer <ADMIN_TOKEN>` or the session cookie of the status ' +
      'page; state-changing requests from another site are refused.',
  },
  paths: {
    '/_admin/': {
      get: {
        operationId: 'statusPage',
        summary: 'The status page (HTML): pending changes, last commits, last error, remotes, PUT rate, Sync now.',
        parameters: [
          {
            name: 'token',
            in: 'query',
            required: false,
            description: 'Logs in with ADMIN_TOKEN and redirects to the clean URL (a link to share with an operator).',
            schema: { type: 'string' },
          },
          {
            name: 'login',
            in: 'query',
            required: false,
            description: '`failed`: show the wrong-token message.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': html('The status page; it reloads itself.'),
          '303': redirect('After `?token=`: to `/_admin/` with the session cookie set, or to `/_admin/?login=failed`.'),
          '401': html('The login form (ADMIN_TOKEN is set and the browser has no session).'),
        },
      },
    },
    '/_admin/login': {
      post: {
        operationId: 'logIn',
        summary: 'Logs a browser in: sets an HttpOnly, SameSite=Strict session cookie.',
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: { type: 'object', required: ['token'], properties: { token: text('The ADMIN_TOKEN.') } },
            },
          },
        },
        responses: {
          '303': redirect('To `/_admin/` (cookie set), or to `/_admin/?login=failed`.'),
          '400': { description: 'Not a form.', content: json(ref('Error')) },
          '403': forbidden,
        },
      },
    },
    '/_admin/logout': {
      post: {
        operationId: 'logOut',
        summary: 'Ends the browser session (expires the cookie).',
        responses: { '303': redirect('To `/_admin/`.'), '403': forbidden },
      },
    },
    '/_admin/health': {
      get: {
        operationId: 'health',
        summary:
          "Liveness and readiness: one status, and each project's storage folder, Git remote and DVC remote. Open.",
        security: [{}],
        responses: {
          '200': {
            description: "Every project's storage is writable (`degraded` when a project's remote is not reachable).",
            content: json(ref('Health')),
          },
          '503': { description: "A project's storage folder is not writable.", content: json(ref('Health')) },
        },
      },
    },
    '/_admin/sync': {
      get: {
        operationId: 'syncStatus',
        summary: "Each project's sync status.",
        security: guarded,
        parameters: [bucketQuery("Only this project's status")],
        responses: {
          '200': { description: 'The status of each project.', content: json(projectsOf('SyncStatus')) },
          '401': unauthorized,
          '404': unknownBucket,
        },
      },
      post: {
        operationId: 'flush',
        summary:
          'Flushes every project (or one) now, concurrently within SYNC_CONCURRENCY, and answers when all are done (a failed flush is its `outcome` and `lastError`, not an HTTP error).',
        security: guarded,
        parameters: [bucketQuery('Flush only this project')],
        responses: {
          '200': {
            description: 'Each flushed project: its status after the flush.',
            content: json(projectsOf('FlushedStatus')),
          },
          '303': redirect('To `/_admin/`, for a browser asking for HTML (the Sync now button).'),
          '401': unauthorized,
          '403': forbidden,
          '404': unknownBucket,
        },
      },
    },
    '/_admin/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format 0.0.4).',
        security: guarded,
        responses: {
          '200': { description: 'The metrics.', content: { 'text/plain; version=0.0.4': { schema: text() } } },
          '401': unauthorized,
        },
      },
    },
    '/_admin/openapi.json': {
      get: {
        operationId: 'openApi',
        summary: 'This description. Open (it holds no setting and no secret).',
        security: [{}],
        responses: { '200': { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) } },
      },
    },
  },
  security: guarded,
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN.' },
      session: {
        type: 'apiKey',
        in: 'cookie',
        name: ADMIN_SESSION_COOKIE,
        description: 'Set by the status page login (POST /_admin/login or GET /_admin/?token=).',
      },
    },
    schemas: {
      SyncStatus: {
        type: 'object',
        required: Object.keys(syncStatus),
        properties: syncStatus,
      },
      FlushedStatus: {
        type: 'object',
        required: [...Object.keys(syncStatus), ...Object.keys(flushOutcome)],
        properties: { ...syncStatus, ...flushOutcome },
      },
      FlushSummary: { type: 'object', required: Object.keys(flushSummary), properties: flushSummary },
      Health: {
        type: 'object',
        required: ['status', 'storage', 'projects'],
        properties: {
          status: { type: 'string', enum: ['ok', 'degraded', 'error'] },
          storage: remoteHealth({}),
          projects: { type: 'array', items: ref('ProjectHealth') },
        },
      },
      ProjectHealth: {
        type: 'object',
        required: ['bucket', 'storage', 'git', 'dvcRemote'],
        properties: {
          bucket: text(),
          storage: remoteHealth({}),
          git: remoteHealth({ url: text('Without credentials.'), branch: text() }),
          dvcRemote: remoteHealth({ remote: nullable('string', 'Without credentials.') }),
        },
      },
      Error: {
        type: 'object',
        description: 'NestJS error answer.',
        properties: { statusCode: { type: 'integer' }, message: text(), error: text() },
      },
    },
  },
};
