/**
 * aws-local-stepfunctions 3 targets Node 22 and calls `Promise.withResolvers`, which Node 20 lacks.
 * Lambda runs nodejs22.x, so only the local host needs this.
 */
type Resolvers<T> = {
  promise: Promise<T>;
  resolve: (v: T | PromiseLike<T>) => void;
  reject: (e: unknown) => void;
};
const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
export {};

// The SDK warns on Node 20 that *future* releases will need Node 22. The lockfile pins today's
// release, which supports Node 20, and the local host only uses the SDK to talk to itself.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
