/**
 * Helpers to recognise AWS SDK v3 service errors without `instanceof`: the mocked clients in tests,
 * a second copy of an SDK package in a bundle, or a plain `{ name }` object from a middleware all
 * break class identity, while `name` and `$metadata.httpStatusCode` stay reliable.
 */

/** The service error's `name` (e.g. `NotFound`), or `undefined` for anything that is not an error-like object. */
export function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** The HTTP status the service answered with, when the SDK recorded one. */
export function httpStatusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  const status = metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** True when the error carries one of `names` or, if given, the HTTP `status`. */
export function isServiceError(error: unknown, names: readonly string[], status?: number): boolean {
  const name = errorName(error);
  if (name !== undefined && names.includes(name)) return true;
  return status !== undefined && httpStatusCode(error) === status;
}
