/**
 * What the REST API's gateway answers by itself — before the Lambda runs, or instead of its answer —
 * in the API's one error shape `{ "error": { "code", "message" } }`, so a client never has to parse
 * API Gateway's default `{ "message": … }`. `lib/constructs/documents-api.ts` installs these as
 * gateway responses on AWS; the local gateway (`local/gateway/http-gateway.ts`) answers with the same
 * bodies.
 */

/** One answer of the gateway: its status and the body's `code` and `message`. */
export interface GatewayError {
  statusCode: number;
  code: string;
  message: string;
}

/** API Gateway's maximum request payload for REST APIs. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * The gateway responses with a fixed answer, keyed by API Gateway's response type. The messages are
 * API Gateway's own where clients may already match on them.
 */
export const GATEWAY_ERRORS = {
  UNAUTHORIZED: {
    statusCode: 401,
    code: 'UNAUTHORIZED',
    message: 'Authentication required: send Authorization: Bearer <token>',
  },
  REQUEST_TOO_LARGE: {
    statusCode: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: `The request body is over the API's limit of ${GATEWAY_MAX_BODY_BYTES} bytes (10 MB)`,
  },
  INTEGRATION_TIMEOUT: {
    statusCode: 504,
    code: 'INTEGRATION_TIMEOUT',
    message: 'Endpoint request timed out',
  },
  /** A crashed function or a malformed proxy result (API Gateway's 502). */
  INTEGRATION_FAILURE: { statusCode: 502, code: 'INTERNAL_ERROR', message: 'Internal server error' },
} as const satisfies Record<string, GatewayError>;

export type GatewayErrorType = keyof typeof GATEWAY_ERRORS;

/** The JSON body of a gateway answer. */
export const gatewayErrorBody = (type: GatewayErrorType): { error: { code: string; message: string } } => ({
  error: { code: GATEWAY_ERRORS[type].code, message: GATEWAY_ERRORS[type].message },
});

/**
 * The mapping template of every other gateway answer (throttling, a missing route's 403, an
 * authorizer failure …): API Gateway fills in its response type and message. `messageString` is
 * already a quoted JSON string.
 */
export const GATEWAY_DEFAULT_TEMPLATE =
  '{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}';
