// Distribution, releases, re-materialisation, withdrawal and recovery run one at a time: a
// view rebuilt while a publish is being distributed could otherwise drop the rows the
// publish just wrote. In-process only; several processes over one database rely on the
// store's write lease and on the directory revision the views are written under.

/** Runs tasks one after another, in the order they were given. */
export class DistributionQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` once every task given before it has settled; a failed task does not stop the next. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
