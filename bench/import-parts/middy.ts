/** Import-cost part: @middy/core. */
import middy from '@middy/core';

export const handler = middy().handler(async () => 'ok');
