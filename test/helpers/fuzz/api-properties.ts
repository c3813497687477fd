/**
 * What must hold for every answer of the REST API, whoever asks and whatever they send: no 5xx, the
 * documented error shape, admin routes closed to others, and nothing another user owns in the
 * answer. Shared by the in-process and the local-host fuzz suites.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FuzzRequest, Owner } from './requests.js';
import { materializeBody, UNROUTED } from './requests.js';

/** What the suites know of the world: each owner's user, tasks and the strings only they may see. */
export interface WorldView {
  users: Record<Owner, { userId: string; email: string }>;
  tasks: Record<Owner, string[]>;
  /** User id, email, seeded file names and task ids of each owner. */
  markers: Record<Owner, Set<string>>;
}

export interface ResolvedRequest {
  /** The path below `/api`, ids filled in. */
  path: string;
  /** The id put into the path, when the route has one. */
  id?: string;
  /** Who owns that id, when it is one of the world's tasks. */
  idOwner?: Owner;
}

export interface FuzzResponse {
  status: number;
  body: string;
}

const OWNERS: Owner[] = ['user', 'other', 'admin'];

/** Fills a request's `{id}` from the world (or its literal) and encodes it as the request says. */
export function resolveRequest(world: WorldView, request: FuzzRequest): ResolvedRequest {
  if (!request.path.includes('{id}') || request.id === undefined) return { path: request.path };
  let id: string;
  let idOwner: Owner | undefined;
  if (request.id.kind === 'task') {
    const tasks = world.tasks[request.id.owner];
    id = tasks.length > 0 ? tasks[request.id.index % tasks.length]! : randomUUID();
    idOwner = tasks.length > 0 ? request.id.owner : undefined;
  } else {
    id = request.id.value;
  }
  const segment = request.encodeId ? encodePathSegment(id) : id;
  return { path: request.path.replace('{id}', segment), id, ...(idOwner ? { idOwner } : {}) };
}

/**
 * Percent-encodes a path segment as a client would: a lone surrogate, which no URL can carry, goes
 * as U+FFFD (what UTF-8 encoders send for it).
 */
export const encodePathSegment = (value: string): string =>
  encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));

/** `{ "error": { "code", "message", "details"? } }` and nothing else. */
const errorShape = z.strictObject({
  error: z.strictObject({ code: z.string().min(1), message: z.string(), details: z.unknown().optional() }),
});

/** What a stack trace or an internal path looks like in a message. */
const INTERNALS = /\n\s+at |\.ts:\d+|node_modules|\/work\/|postgres:\/\//;

export class PropertyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

const fail = (message: string, response: FuzzResponse): never => {
  throw new PropertyViolation(`${message}; answered ${response.status}: ${response.body.slice(0, 500)}`);
};

const isAdminRoute = (request: FuzzRequest) => request.route.startsWith(`${request.method} /admin/`);

/** Whether the request is for its documented route with that route's method, as the router matches. */
function reachesDocumentedRoute(request: FuzzRequest, resolved: ResolvedRequest): boolean {
  if (request.route === UNROUTED || !request.route.startsWith(`${request.method} `)) return false;
  const template = request.route.slice(request.method.length + 1);
  const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}/?$`);
  return pattern.test(resolved.path);
}

/**
 * Checks one answer.
 *
 * @throws PropertyViolation naming what broke.
 */
export function checkResponse(
  world: WorldView,
  request: FuzzRequest,
  resolved: ResolvedRequest,
  response: FuzzResponse,
): void {
  if (response.status >= 500) fail('5xx for a client request', response);

  const bodyless = request.method === 'HEAD' || response.status === 204;
  let body: unknown;
  if (!bodyless) {
    try {
      body = JSON.parse(response.body) as unknown;
    } catch {
      fail('the body is not JSON', response);
    }
  }
  if (response.status >= 400 && !bodyless) {
    const parsed = errorShape.safeParse(body);
    if (!parsed.success) fail('the error body is not { error: { code, message, details? } }', response);
    else if (INTERNALS.test(parsed.data.error.message)) fail('the error message shows internals', response);
  }

  // A documented route called with its own method: who may get past authentication and the admin check.
  if (
    reachesDocumentedRoute(request, resolved) &&
    !request.route.endsWith('/health') &&
    !request.route.endsWith('/openapi.json')
  ) {
    if (request.persona === 'anonymous' && response.status !== 401)
      fail('anonymous not refused with 401', response);
    // Odd claims are never an admin's (the generator leaves out the group), valid or not.
    if (isAdminRoute(request) && request.persona !== 'admin' && ![401, 403].includes(response.status))
      fail('an admin route answered a non-admin with neither 401 nor 403', response);
  }

  if (resolved.idOwner && resolved.idOwner !== request.persona && !isAdminRoute(request)) {
    if (response.status < 300)
      fail(`another user's task (${resolved.idOwner}'s) answered ${response.status}`, response);
  }

  // Nothing of another user's in the answer (an admin on an admin route may see everything). What
  // the request itself carried (e.g. the id it asked for, echoed in a 404) is not a leak.
  if (request.persona === 'admin' && isAdminRoute(request)) return;
  const sent = requestText(request, resolved);
  for (const owner of OWNERS) {
    if (owner === request.persona) continue;
    for (const marker of world.markers[owner])
      if (response.body.includes(marker) && !sent.includes(marker))
        fail(`the answer to ${request.persona} holds ${owner}'s '${marker}'`, response);
  }
}

/** Everything a request carried, as text, to tell an echo from a leak. */
function requestText(request: FuzzRequest, resolved: ResolvedRequest): string {
  const parts = [resolved.path, resolved.id ?? '', ...request.query.flat(), ...request.headers.flat()];
  try {
    parts.push(decodeURIComponent(resolved.path));
  } catch {
    // a malformed escape: the raw path is already there
  }
  if (request.body && request.body.kind !== 'oversize')
    parts.push(materializeBody(request).bytes.toString('utf8'));
  return parts.join('\n');
}

/** Task ids in a successful answer (`task`, `items[].task`), to learn what a persona created. */
export function createdTaskIds(body: string): string[] {
  try {
    const value = JSON.parse(body) as { task?: { id?: unknown }; items?: Array<{ task?: { id?: unknown } }> };
    const tasks = [value.task, ...(Array.isArray(value.items) ? value.items.map((item) => item?.task) : [])];
    return tasks.map((task) => task?.id).filter((id): id is string => typeof id === 'string');
  } catch {
    return [];
  }
}
