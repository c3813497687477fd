/**
 * C0 and C1 control characters and DEL. Text that reaches a database row, an object key, a header or
 * a log line must not carry them: PostgreSQL refuses NUL in `text` outright, the others garble what
 * people read.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Whether `value` holds a control character (see {@link CONTROL_CHARACTERS}). */
export const hasControlCharacters = (value: string): boolean => CONTROL_CHARACTERS.test(value);
