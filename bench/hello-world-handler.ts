/** The baseline of `bench/bundles.ts`: a handler with no dependencies, bundled like every untxt function. */
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 200,
  body: 'hello, world',
});
