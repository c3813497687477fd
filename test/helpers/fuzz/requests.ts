/**
 * Generated REST requests, driven by the OpenAPI document the API serves: every path and method it
 * lists, its path and query parameters and its request bodies (JSON and multipart), each either
 * valid-looking (from the schema) or hostile, plus paths and methods it does not list. A request is
 * data that prints small (big bodies are described, not inlined), so fast-check's report of a
 * failure is readable and replayable.
 */
import fc from 'fast-check';

/** The few parts of an OpenAPI 3.1 document the generator reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: 'path' | 'query'; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
  'x-max-body-bytes'?: number;
}

/** The JSON Schema subset zod's `toJSONSchema` writes for untxt's schemas. */
export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  format?: string;
  examples?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  pattern?: string;
}

/** One operation of the document, with the path relative to `/api`. */
export interface Operation {
  /** e.g. `GET /tasks/{id}` — the key cases are counted by. */
  key: string;
  method: string;
  path: string;
  pathParameters: string[];
  query: Array<{ name: string; schema: JsonSchema }>;
  json?: JsonSchema;
  multipart?: JsonSchema;
  maxBodyBytes: number;
  authenticated: boolean;
}

/** Who sends a request: nobody, two ordinary users, an admin, or a validly signed token with odd claims. */
export type PersonaName = 'anonymous' | 'user' | 'other' | 'admin' | 'odd-claims';
export type Owner = 'user' | 'other' | 'admin';

/** A path id: one of a persona's tasks (by index into what the world holds), or a literal. */
export type IdChoice = { kind: 'task'; owner: Owner; index: number } | { kind: 'literal'; value: string };

export type BodySpec =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | {
      kind: 'multipart';
      file: 'png' | 'pdf' | 'garbage' | 'empty' | 'none';
      filename: string;
      fieldName: string;
      fields: Array<[string, string]>;
    }
  /** A JSON document padded with spaces to `bytes` (materialized only when sent). */
  | { kind: 'oversize'; bytes: number };

export interface FuzzRequest {
  persona: PersonaName;
  /** The claims of an `odd-claims` persona's signed token. */
  claims?: Record<string, unknown>;
  /** Counted as: the operation's key, or `(no route)`. */
  route: string;
  method: string;
  /** A template with `{id}`, or a literal path for requests outside the document. */
  path: string;
  id?: IdChoice;
  /** Percent-encode the id (`false`: sent as is, e.g. a malformed escape). */
  encodeId: boolean;
  query: Array<[string, string]>;
  headers: Array<[string, string]>;
  contentType?: string;
  body?: BodySpec;
}

export const UNROUTED = '(no route)';

/** The operations of the document, paths relative to `/api`. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [fullPath, methods] of Object.entries(document.paths)) {
    const path = fullPath.replace(/^\/api/, '');
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = operation.parameters ?? [];
      const content = operation.requestBody?.content ?? {};
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParameters: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map(({ name, schema }) => ({ name, schema })),
        json: content['application/json']?.schema,
        multipart: content['multipart/form-data']?.schema,
        maxBodyBytes: operation['x-max-body-bytes'] ?? 1024 * 1024,
        authenticated: (operation.security ?? []).length > 0,
      });
    }
  }
  return operations;
}

/** Names that live on every object's prototype: as keys they once crashed the local gateway. */
export const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
];

const TRICKY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001\u001f',
  '\t\r\n',
  '\u007f',
  '\u0085\u009b',
  '\u2028\u2029',
  '\ufeff',
  '\ud800',
  '\udfff\ud800',
  '😀',
  'e\u0301',
  'İ',
  '../../etc/passwd',
  '..',
  '/',
  '\\',
  '%',
  '%00',
  '%E0%A4%A',
  '%2e%2e%2f',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '-0',
  'true',
  '[]',
  '{}',
  '{"$gt":""}',
  "' OR 1=1 --",
  '"; DROP TABLE tasks; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '*',
  '&',
  '=',
  '?',
  '#',
  '+',
  ...PROTOTYPE_NAMES,
];

const CONTROL_CHARACTERS = [
  '\u0000',
  '\u0001',
  '\u0008',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009f',
];

/** Any string a client could send, biased towards the ones that break parsers and databases. */
export const hostileString = (maxLength = 300): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...TRICKY_STRINGS) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...TRICKY_STRINGS), fc.string({ maxLength: 8 }))
        .map((parts) => parts.join('')),
    },
    {
      weight: 4,
      arbitrary: fc
        .array(fc.oneof(fc.constantFrom(...CONTROL_CHARACTERS), fc.string({ maxLength: 6 })), {
          minLength: 1,
          maxLength: 6,
        })
        .map((parts) => parts.join('')),
    },
    { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom(...TRICKY_STRINGS).map((s) => s.repeat(50)) },
  );

/** JSON of any shape, including objects with prototype-like keys and deep nesting. */
export const hostileJson = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(
      fc.constantFrom(...PROTOTYPE_NAMES, 'filename', 'files', 'size'),
      fc.jsonValue({ maxDepth: 2 }),
      {
        maxKeys: 4,
      },
    ),
    fc
      .integer({ min: 1, max: 200 })
      .map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
    fc.constantFrom(null, 0, -1, 1e308, '', 'x', true, [], {}),
  );

/** A value the schema accepts, or close to it (boundaries included). */
export function schemaValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const choices: Array<fc.Arbitrary<unknown>> = [];
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  // The document's examples are valid values: mostly those, so generated requests get past validation.
  const examples = schema.examples?.length ? fc.constantFrom(...schema.examples) : undefined;
  if (examples) choices.push(examples, examples, examples, examples);
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'uuid') return fc.uuid();
      const maxLength = Math.min(schema.maxLength ?? 64, 64);
      const minLength = Math.min(schema.minLength ?? 0, maxLength);
      choices.push(fc.string({ minLength, maxLength }));
      if (schema.maxLength !== undefined && schema.maxLength <= 1024)
        choices.push(fc.constantFrom('x'.repeat(schema.maxLength), 'x'.repeat(schema.maxLength + 1)));
      break;
    }
    case 'integer': {
      const min = Math.max(schema.minimum ?? -1_000_000, -1_000_000_000);
      const max = Math.min(schema.maximum ?? 1_000_000, 1_000_000_000);
      choices.push(fc.integer({ min, max }), fc.constantFrom(min, max, min - 1, max + 1));
      break;
    }
    case 'number':
      choices.push(fc.double({ noNaN: true }));
      break;
    case 'boolean':
      choices.push(fc.boolean());
      break;
    case 'array': {
      const item = schemaValue(schema.items ?? {});
      const minLength = schema.minItems ?? 0;
      // Mostly short arrays (fast); sometimes exactly the limit or one over it.
      const maxLength = Math.min(schema.maxItems ?? 5, Math.max(minLength, 3));
      choices.push(fc.array(item, { minLength, maxLength }));
      if (schema.maxItems !== undefined)
        choices.push(
          fc
            .constantFrom(schema.maxItems, schema.maxItems + 1)
            .chain((n) => fc.array(item, { minLength: n, maxLength: n })),
        );
      break;
    }
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(properties).map(([name, property]) =>
        required.has(name)
          ? schemaValue(property).map((value) => [[name, value]] as Array<[string, unknown]>)
          : fc
              .option(schemaValue(property), { nil: undefined })
              .map((value) => (value === undefined ? [] : ([[name, value]] as Array<[string, unknown]>))),
      );
      choices.push(fc.tuple(...entries).map((parts) => Object.fromEntries(parts.flat())));
      break;
    }
    default:
      choices.push(fc.jsonValue({ maxDepth: 1 }));
  }
  return fc.oneof(...choices);
}

/** A valid-looking object with one thing wrong: a field dropped, added, or replaced by hostile JSON. */
const mutatedObject = (schema: JsonSchema): fc.Arbitrary<unknown> =>
  fc
    .tuple(
      schemaValue(schema),
      fc.constantFrom('drop', 'add', 'replace', 'hostile-string', 'wrap'),
      fc.nat(),
      fc.constantFrom(...PROTOTYPE_NAMES, 'owner', 'userId', 'id'),
      hostileJson(),
      hostileString(),
    )
    .map(([value, how, index, extraKey, junk, text]) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return junk;
      const entries = Object.entries(value);
      const at = entries.length === 0 ? 0 : index % entries.length;
      switch (how) {
        case 'drop':
          return Object.fromEntries(entries.filter((_, i) => i !== at));
        case 'add':
          return Object.fromEntries([...entries, [extraKey, junk]]);
        case 'replace':
          return Object.fromEntries(entries.map(([k, v], i) => [k, i === at ? junk : v]));
        case 'hostile-string':
          return Object.fromEntries(entries.map(([k, v], i) => [k, i === at ? text : v]));
        default:
          return [value];
      }
    });

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/vnd.api+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'application/octet-stream',
  '',
  'application/json\u0000',
];

/** Header names and values; `http` restricts them to what an HTTP client can put on the wire. */
const headerArbitrary = (transport: 'event' | 'http'): fc.Arbitrary<[string, string]> => {
  const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,30}$/);
  const names =
    transport === 'http'
      ? fc.oneof(
          fc.constantFrom(...PROTOTYPE_NAMES, 'x-forwarded-for', 'origin', 'accept', 'x-amz-date'),
          token,
        )
      : fc.oneof(
          fc.constantFrom(...PROTOTYPE_NAMES, 'Content-Type', 'x-forwarded-for'),
          token,
          hostileString(20),
        );
  const values =
    transport === 'http'
      ? fc.stringMatching(/^[\x21-\x7e]{0,60}$/)
      : fc.oneof(hostileString(60), fc.stringMatching(/^[\x21-\x7e]{0,60}$/));
  return fc.tuple(names, values);
};

/**
 * A query: the operation's own parameters with valid-looking values, then at most one thing wrong
 * (one value hostile, or strangers added: prototype names, junk). One fault at a time, so that the
 * rest of the request gets past validation and the fault reaches the code behind it.
 */
const queryArbitrary = (operation: Operation | undefined): fc.Arbitrary<Array<[string, string]>> => {
  const parameters = operation?.query ?? [];
  const valid = fc
    .tuple(
      ...parameters.map(({ name, schema }) =>
        fc
          .option(
            schemaValue(schema).map((value) => String(value)),
            { nil: undefined, freq: 2 },
          )
          .map((value) => (value === undefined ? [] : ([[name, value]] as Array<[string, string]>))),
      ),
    )
    .map((pairs) => pairs.flat());
  const strangers = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), hostileString(20)), hostileString(40)),
    { minLength: 1, maxLength: 3 },
  );
  const choices: Array<fc.WeightedArbitrary<Array<[string, string]>>> = [
    { weight: 3, arbitrary: valid },
    { weight: 1, arbitrary: fc.tuple(valid, strangers).map(([own, extra]) => [...own, ...extra]) },
  ];
  if (parameters.length > 0)
    choices.push({
      weight: 3,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...parameters.map(({ name }) => name)), hostileString(250))
        .map(([own, name, value]) => [...own.filter(([n]) => n !== name), [name, value] as [string, string]]),
    });
  return fc.oneof(...choices);
};

const idArbitrary: fc.Arbitrary<IdChoice> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('task' as const),
      owner: fc.constantFrom<Owner>('user', 'other', 'admin'),
      index: fc.nat(40),
    }),
  },
  { weight: 2, arbitrary: fc.uuid().map((value) => ({ kind: 'literal' as const, value })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        hostileString(80),
        fc.uuid().map((u) => u.toUpperCase()),
        fc.uuid().map((u) => `${u}/extra`),
      )
      .map((value) => ({ kind: 'literal' as const, value })),
  },
);

const bodyArbitrary = (
  operation: Operation | undefined,
): fc.Arbitrary<{ contentType?: string; body?: BodySpec }> => {
  const random = fc.oneof(
    hostileJson().map((value) => ({
      contentType: 'application/json',
      body: { kind: 'json' as const, value },
    })),
    fc
      .tuple(fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }), hostileString(500))
      .map(([contentType, text]) => ({ contentType, body: { kind: 'text' as const, text } })),
  );
  const choices: Array<fc.WeightedArbitrary<{ contentType?: string; body?: BodySpec }>> = [
    { weight: operation?.json || operation?.multipart ? 1 : 6, arbitrary: fc.constant({}) },
    { weight: 2, arbitrary: random },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(operation?.maxBodyBytes ?? 1024 * 1024)
        .chain((limit) => fc.constantFrom(limit + 1, limit + 4096))
        .map((bytes) => ({ contentType: 'application/json', body: { kind: 'oversize' as const, bytes } })),
    },
  ];
  if (operation?.json) {
    const json = operation.json;
    choices.push(
      {
        weight: 6,
        arbitrary: schemaValue(json).map((value) => ({
          contentType: 'application/json',
          body: { kind: 'json' as const, value },
        })),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(mutatedObject(json), fc.constantFrom(...CONTENT_TYPES.slice(0, 3), undefined))
          .map(([value, contentType]) => ({ contentType, body: { kind: 'json' as const, value } })),
      },
    );
  }
  if (operation?.multipart) {
    choices.push({
      weight: 3,
      arbitrary: fc
        .record({
          file: fc.constantFrom('png', 'pdf', 'garbage', 'empty', 'none'),
          filename: fc.oneof(fc.constantFrom('scan.png', 'doc.pdf'), hostileString(40)),
          fieldName: fc.oneof(
            { weight: 5, arbitrary: fc.constant('file') },
            { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES, 'files') },
          ),
          fields: fc.array(
            fc.tuple(
              fc.oneof(fc.constant('priority'), fc.constantFrom(...PROTOTYPE_NAMES)),
              fc.oneof(fc.constantFrom('low', 'normal', 'high'), hostileString(30)),
            ),
            { maxLength: 2 },
          ),
        })
        .map((multipart) => ({
          contentType: 'multipart/form-data',
          body: { kind: 'multipart' as const, ...multipart },
        })),
    });
  }
  return fc.oneof(...choices);
};

/**
 * Requests for every operation of the document (and some for none), from every persona.
 *
 * @param operations - From {@link operationsOf}.
 * @param transport - `event`: anything a Lambda event can hold; `http`: what goes on the wire.
 */
export function requestArbitrary(
  operations: Operation[],
  transport: 'event' | 'http',
): fc.Arbitrary<FuzzRequest> {
  // Operations with more inputs get more cases: there is more to get wrong behind them.
  const weighted = operations.map((operation) => ({
    weight:
      1 +
      operation.query.length +
      operation.pathParameters.length +
      (operation.json ? 3 : 0) +
      (operation.multipart ? 1 : 0),
    arbitrary: fc.constant(operation),
  }));
  const documented = fc.oneof(...weighted).chain((operation) =>
    fc.record({
      operation: fc.constant(operation),
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant(operation.method) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD') },
      ),
    }),
  );
  const undocumented = fc.record({
    operation: fc.constant(undefined),
    method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'),
  });
  const undocumentedPath = fc.oneof(
    fc.webPath(),
    fc.constantFrom(
      '/',
      '/tasks/',
      '/tasks//status',
      '/admin',
      '/admin/tasks/x/retry/more',
      '/..',
      '/%2e%2e/admin/users',
      '/api/tasks',
      '/TASKS',
      '/health/',
      '/tasks/%E0%A4%A',
    ),
    fc
      .array(fc.oneof(fc.webSegment(), fc.constantFrom('tasks', 'admin', '{id}', '%00', '..')), {
        minLength: 1,
        maxLength: 5,
      })
      .map((s) => `/${s.join('/')}`),
  );
  return fc
    .tuple(
      fc.oneof({ weight: 12, arbitrary: documented }, { weight: 1, arbitrary: undocumented }),
      undocumentedPath,
    )
    .chain(([{ operation, method }, otherPath]) =>
      fc.record({
        persona: fc.constantFrom<PersonaName>('user', 'user', 'other', 'admin', 'anonymous', 'odd-claims'),
        claims: oddClaimsArbitrary,
        route: fc.constant(operation ? operation.key : UNROUTED),
        method: fc.constant(method),
        path: fc.constant(operation ? operation.path : otherPath),
        id: operation?.pathParameters.length ? idArbitrary : fc.constant(undefined),
        encodeId: fc.oneof(
          { weight: 9, arbitrary: fc.constant(true) },
          { weight: 1, arbitrary: fc.constant(transport === 'event') },
        ),
        query: queryArbitrary(operation),
        headers: fc.oneof(
          { weight: 3, arbitrary: fc.constant<Array<[string, string]>>([]) },
          { weight: 1, arbitrary: fc.array(headerArbitrary(transport), { maxLength: 4 }) },
        ),
        payload: bodyArbitrary(operation),
      }),
    )
    .map(({ payload, claims, ...request }) => ({
      ...request,
      ...(request.persona === 'odd-claims' ? { claims } : {}),
      ...(payload.contentType === undefined ? {} : { contentType: payload.contentType }),
      ...(payload.body === undefined ? {} : { body: payload.body }),
    }));
}

/** Claims a signed token may hold that do not fit untxt's expectations (each case one thing wrong). */
export const oddClaimsArbitrary: fc.Arbitrary<Record<string, unknown>> = fc
  .oneof(
    fc.record({ sub: hostileString(40), email: fc.constant('odd@example.com') }),
    fc.record({
      sub: fc.oneof(fc.integer(), fc.constant(null), fc.jsonValue({ maxDepth: 1 }), hostileString(40)),
    }),
    fc.record({
      sub: fc.uuid(),
      'cognito:groups': fc.oneof(fc.integer(), fc.jsonValue({ maxDepth: 2 }), hostileString(30)),
    }),
    fc.record({ sub: fc.uuid(), email: fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileString(400)) }),
    fc.record({ sub: fc.uuid(), username: fc.jsonValue({ maxDepth: 1 }), email: fc.constant(undefined) }),
    fc.dictionary(fc.constantFrom(...PROTOTYPE_NAMES, 'sub', 'email'), fc.jsonValue({ maxDepth: 1 }), {
      maxKeys: 3,
    }),
  )
  // Some of these are valid after all (a new user); none may make its holder an admin.
  .filter((claims) => !JSON.stringify(claims).includes('admins'));

/** A 1×1 PNG and the smallest PDF header: enough for the magic-byte check. */
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const TINY_PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const BOUNDARY = 'fuzz-boundary-7f3a';

/** A lone surrogate cannot be encoded (nor sent): it goes as U+FFFD, as UTF-8 encoders send it. */
const wellFormed = (value: string): string => Buffer.from(value, 'utf8').toString('utf8');

/** The bytes and the Content-Type header of a request's body. */
export function materializeBody(request: FuzzRequest): { bytes: Buffer; contentType?: string } {
  const body = request.body;
  const contentType = request.contentType;
  if (!body) return { bytes: Buffer.alloc(0), ...(contentType === undefined ? {} : { contentType }) };
  switch (body.kind) {
    case 'json':
      return {
        bytes: Buffer.from(JSON.stringify(body.value) ?? 'null'),
        ...(contentType === undefined ? {} : { contentType }),
      };
    case 'text':
      return { bytes: Buffer.from(body.text), ...(contentType === undefined ? {} : { contentType }) };
    case 'oversize': {
      const bytes = Buffer.alloc(body.bytes, 0x20);
      bytes.write('{"a":1}');
      return { bytes, contentType: contentType ?? 'application/json' };
    }
    case 'multipart': {
      const parts: Buffer[] = [];
      for (const [name, value] of body.fields)
        parts.push(
          Buffer.from(
            `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${encodeURIComponent(wellFormed(name))}"\r\n\r\n${value}\r\n`,
          ),
        );
      if (body.file !== 'none') {
        const content =
          body.file === 'png'
            ? TINY_PNG
            : body.file === 'pdf'
              ? TINY_PDF
              : body.file === 'empty'
                ? Buffer.alloc(0)
                : Buffer.from('MZ\u0090\u0000 not a document');
        parts.push(
          Buffer.from(
            `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${encodeURIComponent(wellFormed(body.fieldName))}"; filename="${encodeURIComponent(wellFormed(body.filename))}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          ),
          content,
          Buffer.from('\r\n'),
        );
      }
      parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
      return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${BOUNDARY}` };
    }
  }
}
