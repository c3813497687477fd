import { describe, expect, it } from 'vitest';
import { createCognitoAuth } from '../../../web/src/auth/cognito-auth.js';
import { decodeClaims, sessionFromToken } from '../../../web/src/auth/session.js';
import { defaultConfig, mergeConfig } from '../../../web/src/config.js';
import { stageLabel } from '../../../web/src/lib/format.js';
import { checkFile, sniffType } from '../../../web/src/upload/file-check.js';
import { wordsByPage } from '../../../web/src/viewer/textract.js';

const jwt = (claims: Record<string, unknown>) =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('Function: sniffType', () => {
  it.each([
    ['%PDF-1.7', 'application/pdf'],
    ['\x89PNG\r\n\x1a\n', 'image/png'],
    ['\xff\xd8\xff\xe0', 'image/jpeg'],
    ['II*\x00', 'image/tiff'],
    ['MM\x00*', 'image/tiff'],
    ['RIFF\x00\x00\x00\x00WEBP', 'image/webp'],
    ['GIF89a', null],
    ['hello world', null],
  ])('reads %j as %s', (head, expected) => {
    expect(sniffType(Uint8Array.from(Buffer.from(head, 'latin1')))).toBe(expected);
  });
});

describe('Function: checkFile', () => {
  /** Only what checkFile reads: size and slice (a real 51 MB buffer is not needed to test the limit). */
  const file = (bytes: string, size?: number) => {
    const blob = new Blob([bytes]);
    return {
      size: size ?? blob.size,
      slice: (a?: number, b?: number) => blob.slice(a, b),
    } as unknown as File;
  };

  it('refuses empty, too large and unsupported files with a message', async () => {
    expect(await checkFile(file(''))).toEqual({ ok: false, message: 'This file is empty.' });
    expect(await checkFile(file('%PDF-', 51 * 1024 * 1024))).toMatchObject({
      ok: false,
      message: expect.stringContaining('50 MB'),
    });
    expect(await checkFile(file('plain text'))).toMatchObject({
      ok: false,
      message: expect.stringContaining('Unsupported file type'),
    });
    expect(await checkFile(file('%PDF-1.4 …'))).toEqual({ ok: true, contentType: 'application/pdf' });
  });
});

describe('Function: mergeConfig', () => {
  const base = defaultConfig({ origin: 'https://app.example', protocol: 'https:', host: 'app.example' });

  it('defaults to the same origin with local sign-in', () => {
    expect(base).toEqual({
      apiUrl: 'https://app.example/api',
      wsUrl: 'wss://app.example/ws',
      auth: { mode: 'local' },
    });
  });

  it('takes a complete Cognito section and ignores an incomplete one', () => {
    const cognito = { mode: 'cognito', region: 'eu-west-1', userPoolClientId: 'abc' };
    expect(mergeConfig(base, { apiUrl: 'https://api.example/prod/api/', auth: cognito })).toEqual({
      ...base,
      apiUrl: 'https://api.example/prod/api',
      auth: cognito,
    });
    expect(mergeConfig(base, { auth: { mode: 'cognito', region: 'eu-west-1' } }).auth).toEqual({
      mode: 'local',
    });
  });
});

describe('Function: sessionFromToken', () => {
  it('reads the user and the cognito:groups claim', () => {
    const token = jwt({ sub: 'u1', email: 'a@b.c', exp: 2_000_000_000, 'cognito:groups': ['admins', 7] });
    expect(sessionFromToken(token)).toEqual({
      token,
      expiresAt: 2_000_000_000_000,
      user: { id: 'u1', email: 'a@b.c', groups: ['admins'] },
    });
    expect(decodeClaims(jwt({ email: 'é@x.y' })).email).toBe('é@x.y');
  });
});

describe('Function: createCognitoAuth', () => {
  it('signs in with USER_PASSWORD_AUTH and keeps the refresh token', async () => {
    // Prepare
    const requests: Array<{ url: string; init: RequestInit }> = [];
    const idToken = jwt({ sub: 'u2', email: 'c@d.e', exp: 2_000_000_000 });
    const auth = createCognitoAuth({
      region: 'eu-central-1',
      userPoolClientId: 'client-1',
      fetchImpl: async (url, init) => {
        requests.push({ url: String(url), init: init! });
        return Response.json({
          AuthenticationResult: { IdToken: idToken, AccessToken: 'a', RefreshToken: 'r', ExpiresIn: 3600 },
        });
      },
    });

    // Act
    const session = await auth.signIn('c@d.e', 'pw');

    // Assess
    expect(requests[0]!.url).toBe('https://cognito-idp.eu-central-1.amazonaws.com/');
    expect((requests[0]!.init.headers as Record<string, string>)['X-Amz-Target']).toBe(
      'AWSCognitoIdentityProviderService.InitiateAuth',
    );
    expect(JSON.parse(String(requests[0]!.init.body))).toEqual({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: 'client-1',
      AuthParameters: { USERNAME: 'c@d.e', PASSWORD: 'pw' },
    });
    expect(session).toMatchObject({ token: idToken, refreshToken: 'r', user: { id: 'u2' } });
  });

  it('surfaces Cognito errors by their short type and message', async () => {
    const auth = createCognitoAuth({
      region: 'eu-central-1',
      userPoolClientId: 'client-1',
      fetchImpl: async () =>
        Response.json(
          { __type: 'com.amazon#NotAuthorizedException', message: 'Incorrect username or password.' },
          { status: 400 },
        ),
    });
    await expect(auth.signIn('x@y.z', 'bad')).rejects.toMatchObject({
      code: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
  });
});

describe('Function: wordsByPage', () => {
  it('groups WORD blocks with geometry by page', () => {
    const box = { Left: 0.1, Top: 0.2, Width: 0.3, Height: 0.05 };
    const pages = wordsByPage({
      Blocks: [
        { BlockType: 'PAGE', Page: 1 },
        { BlockType: 'LINE', Text: 'a b', Page: 1, Geometry: { BoundingBox: box } },
        { BlockType: 'WORD', Text: 'a', Confidence: 99, Page: 1, Geometry: { BoundingBox: box } },
        { BlockType: 'WORD', Text: 'b', Page: 2, Geometry: { BoundingBox: box } },
        { BlockType: 'WORD', Text: 'no-geometry', Page: 2 },
      ],
    });
    expect([...pages.keys()]).toEqual([1, 2]);
    expect(pages.get(1)).toEqual([{ text: 'a', confidence: 99, box }]);
    expect(pages.get(2)).toEqual([{ text: 'b', confidence: null, box }]);
  });
});

describe('Function: stageLabel', () => {
  it.each([
    ['download', 'Reading file'],
    ['capacity', 'Waiting for capacity'],
    ['recognize', 'Recognizing text'],
    ['a-stage-from-a-newer-server', 'a-stage-from-a-newer-server'],
  ])('names the %s stage %j', (stage, label) => {
    expect(stageLabel(stage)).toBe(label);
  });
});
