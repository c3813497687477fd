/** `node:https` for the function bundles, as CommonJS (see `untxtBundling` in `lib/constructs/untxt-function.ts`). */
export = process.getBuiltinModule('node:https');
