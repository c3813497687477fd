/** Import-cost part: zod/mini with the English messages zod (classic) configures, and the same schema. */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

const schema = z.object({
  id: z.uuid(),
  pages: z.number().check(z.int(), z.positive()),
  kind: z._default(z.enum(['a', 'b']), 'a'),
});

export const handler = async (event: unknown) => schema.safeParse(event).success;
