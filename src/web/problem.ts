// problem+json (RFC 9457) for every error the HTTP API returns. Each problem
// carries a stable `code` clients can switch on; the human-readable title and
// detail may change. A 5xx never reveals its cause: it is logged, and the
// client gets only the request id to quote.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/shared/decider.ts';
import { isWrongExpectedRevision } from '../eventstore/errors.ts';

/** Codes of the problems the web layer itself produces; routes add their own. */
export type HttpProblemCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_ACCEPTABLE'
  | 'CONFLICT'
  | 'WRONG_EXPECTED_REVISION'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'CSRF_TOKEN_INVALID'
  | 'CLIENT_ERROR'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  /** The request id, so a user can quote it and an operator find the log line. */
  instance: string;
  errors?: { path: string; message: string }[];
}

/** Thrown by routes for an expected failure; the message becomes the problem's detail. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProblemError';
  }
}

const CLIENT_ERROR_CODES: Record<number, HttpProblemCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const titleFor = (status: number): string =>
  TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');

export function sendProblem(
  reply: FastifyReply,
  problem: Omit<Problem, 'type' | 'title' | 'instance'> & { title?: string },
): FastifyReply {
  const body: Problem = {
    type: 'about:blank',
    title: problem.title ?? titleFor(problem.status),
    instance: `urn:request:${reply.request.id}`,
    ...problem,
  };
  return reply.status(problem.status).type('application/problem+json').send(body);
}

type Classified = Omit<Problem, 'type' | 'title' | 'instance'>;

/** Decides what the client may learn about an error; anything unrecognised is a 500. */
export function classify(error: unknown): Classified {
  if (error instanceof ProblemError) {
    return { status: error.status, code: error.code, detail: error.message };
  }
  if (error instanceof DomainError) {
    // A decider refused the command: the request was understood but breaks a business rule.
    return { status: 422, code: error.code, detail: error.message };
  }
  if (isWrongExpectedRevision(error)) {
    return {
      status: 409,
      code: 'WRONG_EXPECTED_REVISION',
      detail: 'The resource changed since you read it; reload and try again.',
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'The request does not match the schema.',
      errors: fastifyError.validation.map((issue) => ({
        path: `${fastifyError.validationContext ?? 'request'}${issue.instancePath}`,
        message: issue.message ?? 'is invalid',
      })),
    };
  }
  const status = fastifyError.statusCode;
  if (fastifyError.code?.startsWith('FST_CSRF_')) {
    return {
      status: 403,
      code: 'CSRF_TOKEN_INVALID',
      detail:
        'Missing or invalid CSRF token: fetch one from /api/csrf and send it as x-csrf-token.',
    };
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own 4xx messages describe the request, not the server.
    return {
      status,
      code: CLIENT_ERROR_CODES[status] ?? 'CLIENT_ERROR',
      detail: fastifyError.message,
    };
  }
  if (status === 503) return { status, code: 'SERVICE_UNAVAILABLE' };
  return { status: 500, code: 'INTERNAL' };
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any
 * route or error handler runs (a path parameter over maxParamLength: 414, a
 * malformed URL component: 400) become problems too, instead of Fastify's
 * own plain JSON.
 */
export function onFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const problem = classify(error);
  request.log.info({ code: problem.code, status: problem.status }, 'request rejected');
  return sendProblem(reply, problem);
}

/** Installs the error and not-found handlers on the root instance, so every route inherits them. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = classify(error);
    if (problem.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info({ code: problem.code, status: problem.status }, 'request rejected');
    }
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      status: 404,
      code: 'NOT_FOUND',
      detail: `No route for ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
}
