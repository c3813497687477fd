/** Import-cost part: zod 4 (classic), with one schema built at import as the app's modules do. */
import * as z from 'zod';

const schema = z.object({
  id: z.string().uuid(),
  pages: z.number().int().positive(),
  kind: z.enum(['a', 'b']).default('a'),
});

export const handler = async (event: unknown) => schema.safeParse(event).success;
