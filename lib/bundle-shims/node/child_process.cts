/**
 * `node:child_process` for the function bundles: loaded on first use, not at import (see
 * `untxtBundling` in `lib/constructs/untxt-function.ts`). Only the SDK's `credential_process` provider (`~/.aws/config` profiles) runs a
 * child process, which never happens on Lambda, where the credentials come from the environment;
 * loading the module eagerly costs every cold start `child_process`, `net`, `dgram` and friends.
 */
import type * as ChildProcessModule from 'node:child_process';

const load = () => process.getBuiltinModule('node:child_process');

export = {
  get ChildProcess() {
    return load().ChildProcess;
  },
  get exec() {
    return load().exec;
  },
  get execFile() {
    return load().execFile;
  },
  get execFileSync() {
    return load().execFileSync;
  },
  get execSync() {
    return load().execSync;
  },
  get fork() {
    return load().fork;
  },
  get spawn() {
    return load().spawn;
  },
  get spawnSync() {
    return load().spawnSync;
  },
} satisfies Partial<typeof ChildProcessModule>;
