/** Import-cost part: zod/mini, with the same schema as the zod part. */
import * as z from 'zod/mini';

const schema = z.object({
  id: z.uuid(),
  pages: z.number().check(z.int(), z.positive()),
  kind: z._default(z.enum(['a', 'b']), 'a'),
});

export const handler = async (event: unknown) => schema.safeParse(event).success;
