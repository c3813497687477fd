/**
 * A resource started on first use and shared by every later caller (a worker pool, loaded models). A
 * start that fails is not kept: a missing package or a bad file fails the document that needed it,
 * and the next document tries again instead of getting the same rejection forever.
 */
export interface StartedOnce<T> {
  /** The resource, started now if it is not started or its last start failed. */
  get(): Promise<T>;
  /** The start in progress or done, if any (for shutdown: no start just to close it). */
  current(): Promise<T> | undefined;
}

export function startedOnce<T>(start: () => Promise<T>): StartedOnce<T> {
  let started: Promise<T> | undefined;
  return {
    get() {
      if (started === undefined) {
        const attempt = start();
        started = attempt;
        attempt.catch(() => {
          if (started === attempt) started = undefined;
        });
      }
      return started;
    },
    current: () => started,
  };
}
