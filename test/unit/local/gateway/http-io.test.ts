import { describe, expect, it } from 'vitest';
import { headerMaps, queryMaps } from '../../../../local/gateway/http-io.js';

/** Names every plain object answers to through its prototype: as map keys they once crashed the gateway. */
const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

describe('Function: queryMaps', () => {
  it.each(PROTOTYPE_NAMES)('keeps a parameter named %s as an ordinary entry', (name) => {
    // Prepare
    const search = new URLSearchParams([
      [name, 'x'],
      [name, 'y'],
      ['q', 'text'],
    ]);

    // Act
    const { queryStringParameters, multiValueQueryStringParameters } = queryMaps(search);

    // Assess
    expect(Object.hasOwn(queryStringParameters!, name)).toBe(true);
    expect(queryStringParameters![name]).toBe('y');
    expect(multiValueQueryStringParameters![name]).toEqual(['x', 'y']);
    expect(Object.entries(queryStringParameters!)).toEqual([
      [name, 'y'],
      ['q', 'text'],
    ]);
  });
});

describe('Function: headerMaps', () => {
  it.each(PROTOTYPE_NAMES)('keeps a header named %s as an ordinary entry', (name) => {
    // Act
    const { headers, multiValueHeaders } = headerMaps([name, 'one', 'Host', 'localhost', name, 'two']);

    // Assess
    expect(Object.hasOwn(headers, name)).toBe(true);
    expect(headers[name]).toBe('two');
    expect(multiValueHeaders[name]).toEqual(['one', 'two']);
    expect(headers.Host).toBe('localhost');
  });
});
