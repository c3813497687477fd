import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod';
import { UnauthorizedError, UnsupportedMediaTypeError, ValidationError } from '../core/errors.js';
import type { Identity } from '../core/ports.js';

const issuesOf = (error: z.ZodError) =>
  error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message }));

/** Parses with a zod schema; failures become a 400 that lists every problem by field. */
export const validate = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    const first = issues[0];
    throw new ValidationError(`Invalid ${what}: ${first ? `${first.path}: ${first.message}` : 'malformed'}`, {
      details: issues,
    });
  }
  return parsed.data;
};

export const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (key.toLowerCase() === wanted) return value ?? undefined;
  return undefined;
};

export const rawBody = (event: APIGatewayProxyEvent): Buffer =>
  event.body === null || event.body === undefined
    ? Buffer.alloc(0)
    : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');

/** JSON body → schema. 415 for a non-JSON content type, 400 for malformed JSON or invalid fields. */
export const parseJsonBody = <S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> => {
  const type = header(event, 'content-type');
  if (type && !/^application\/(.+\+)?json\b/i.test(type))
    throw new UnsupportedMediaTypeError(`Expected Content-Type application/json, got '${type}'`);
  const body = rawBody(event).toString('utf8');
  if (body.trim() === '') throw new ValidationError('Request body is required');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ValidationError('Request body is not valid JSON');
  }
  return validate(schema, value, 'request body');
};

export const parseQuery = <S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> =>
  validate(schema, event.queryStringParameters ?? {}, 'query');

/**
 * The caller as API Gateway's Cognito authorizer passes it: `requestContext.authorizer.claims`, every
 * claim a string (`cognito:groups` arrives as "a,b" or "[a b]").
 */
export const identityFromEvent = (event: APIGatewayProxyEvent): Identity => {
  const claims = (event.requestContext.authorizer as { claims?: Record<string, unknown> } | null | undefined)
    ?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthorizedError();
  const rawGroups = claims?.['cognito:groups'];
  const groups = Array.isArray(rawGroups)
    ? rawGroups.map(String)
    : typeof rawGroups === 'string'
      ? rawGroups
          .replace(/^\[|\]$/g, '')
          .split(/[\s,]+/)
          .filter(Boolean)
      : [];
  const email = typeof claims?.email === 'string' ? claims.email : '';
  return { userId: sub.toLowerCase(), email, groups };
};
