/** Import-cost part, cumulative: the pipeline functions' SDK packages, kysely and pg, zod (one schema). */
import * as z from 'zod';
import { handler as previous } from './stack-2-kysely.js';

const schema = z.object({
  id: z.string().uuid(),
  pages: z.number().int().positive(),
  kind: z.enum(['a', 'b']).default('a'),
});

export const handler = async (event: unknown) => (await previous()) + Number(schema.safeParse(event).success);
