export type Timed<T> = { done: true; value: T } | { done: false };

/**
 * Waits for `work`, but not longer than `ms`: its value, or `{ done: false }` once the time is up
 * (the work itself goes on). A rejection is passed on. The timer never outlives the wait.
 */
export async function withTimeout<T>(work: PromiseLike<T>, ms: number): Promise<Timed<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Timed<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), Math.max(0, ms));
  });
  try {
    return await Promise.race([Promise.resolve(work).then((value): Timed<T> => ({ done: true, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}
