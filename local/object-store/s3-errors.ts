/**
 * S3's error answers: an HTTP status plus `<Error><Code>…</Code><Message>…</Message></Error>`.
 * Browsers and SDK clients branch on these codes, so the local store uses S3's own.
 */

export interface S3ErrorSpec {
  status: number;
  code: string;
  message: string;
  /** Extra child elements S3 adds for some errors (e.g. `MaxSizeAllowed`). */
  details?: Record<string, string | number>;
}

/** Builds an error answer. */
export function s3Error(
  status: number,
  code: string,
  message: string,
  details?: Record<string, string | number>,
): S3ErrorSpec {
  return details ? { status, code, message, details } : { status, code, message };
}

/** Escapes text for an XML element body (quotes need no escaping there). */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}

/** Serializes an error the way S3 does. */
export function errorXml(error: S3ErrorSpec, requestId: string): string {
  const details = Object.entries(error.details ?? {})
    .map(([name, value]) => `<${name}>${xmlEscape(String(value))}</${name}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message>` +
    `${details}<RequestId>${requestId}</RequestId></Error>`
  );
}
