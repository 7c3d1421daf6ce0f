/**
 * The service's OpenAPI 3.1 document (`GET /v1/openapi.json`) and its JSON Schemas
 * (`GET /v1/schema`), generated from the zod schemas the server validates requests with, and the
 * RunResult's (src/api/run-result-schema.ts), which a test holds every answer the server gives to.
 *
 * @module
 */
import { z } from 'zod'
import { runResultSchema } from '../api/run-result-schema.js'
import {
  runRequestSchema,
  sandboxRequestSchema,
  sessionCallSchema,
  sessionRunSchema,
} from './run-request.js'

const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
})

const SCHEMAS = {
  RunRequest: runRequestSchema,
  SandboxRequest: sandboxRequestSchema,
  SessionRun: sessionRunSchema,
  SessionCall: sessionCallSchema,
  RunResult: runResultSchema,
  Error: errorSchema,
}

/** Each schema as JSON Schema (draft 2020-12): what a request may hold, what an answer holds. */
export function jsonSchemas(): Record<keyof typeof SCHEMAS, unknown> {
  const out = {} as Record<keyof typeof SCHEMAS, unknown>
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    out[name as keyof typeof SCHEMAS] = z.toJSONSchema(schema, {
      io: name === 'RunResult' || name === 'Error' ? 'output' : 'input',
      unrepresentable: 'any',
    })
  }
  return out
}

const ref = (name: keyof typeof SCHEMAS) => ({ $ref: `#/components/schemas/${name}` })
const json = (name: keyof typeof SCHEMAS) => ({
  content: { 'application/json': { schema: ref(name) } },
})
const errors = {
  '400': { description: 'a bad request, each field named', ...json('Error') },
  '401': { description: 'no valid API key', ...json('Error') },
  '413': { description: 'the body is over the limit', ...json('Error') },
  '429': {
    description: 'the queue is full, or the key has its most runs in flight',
    ...json('Error'),
  },
}
const session = { name: 'id', in: 'path', required: true, schema: { type: 'string' } }
const stream = {
  name: 'stream',
  in: 'query',
  required: false,
  schema: { type: 'string', enum: ['1', 'sse'] },
  description:
    'Stream the output as it is written, then the result: NDJSON events, or Server-Sent Events with "sse" or Accept: text/event-stream.',
}
const runAnswer = {
  '200': {
    description: 'the run, whatever the Python did',
    ...json('RunResult'),
  },
  ...errors,
}

export function openApiDocument(version: string): object {
  const components = jsonSchemas()
  return {
    openapi: '3.1.0',
    info: {
      title: 'pyward',
      version,
      description: 'Run untrusted Python in sandboxes: one-shot runs and stateful sessions.',
    },
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/health': {
        get: {
          summary: 'Is the server up; its queue',
          security: [],
          responses: { '200': { description: 'ok' } },
        },
      },
      '/v1/run': {
        post: {
          summary: 'Run code in a fresh sandbox',
          parameters: [stream],
          requestBody: { required: true, ...json('RunRequest') },
          responses: runAnswer,
        },
      },
      '/v1/sessions': {
        post: {
          summary: 'Start a session (a sandbox kept across requests)',
          requestBody: { required: true, ...json('SandboxRequest') },
          responses: { '201': { description: '{ id, idleTimeoutMs }' }, ...errors },
        },
      },
      '/v1/sessions/{id}/run': {
        post: {
          summary: "Run code in the session's sandbox",
          parameters: [session, stream],
          requestBody: { required: true, ...json('SessionRun') },
          responses: { ...runAnswer, '404': { description: 'no such session', ...json('Error') } },
        },
      },
      '/v1/sessions/{id}/call': {
        post: {
          summary: 'Call a function defined in the session',
          parameters: [session, stream],
          requestBody: { required: true, ...json('SessionCall') },
          responses: { ...runAnswer, '404': { description: 'no such session', ...json('Error') } },
        },
      },
      '/v1/sessions/{id}/files/{path}': {
        put: {
          summary: "Write a file into the session's scratch dir",
          parameters: [
            session,
            { name: 'path', in: 'path', required: true, schema: { type: 'string' } },
          ],
          requestBody: { content: { 'application/octet-stream': {} } },
          responses: { '204': { description: 'written' }, ...errors },
        },
        get: {
          summary: "Read a file from the session's scratch dir",
          parameters: [
            session,
            { name: 'path', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'the bytes', content: { 'application/octet-stream': {} } },
            '404': { description: 'no such file or session', ...json('Error') },
          },
        },
      },
      '/v1/sessions/{id}': {
        delete: {
          summary: 'Close the session (its sandbox dies)',
          parameters: [session],
          responses: {
            '204': { description: 'closed' },
            '404': { description: 'no such session' },
          },
        },
      },
    },
  }
}
