// The writes a server does at start: the directory files (directory.apply_on_start), the
// bootstrap admin, the distributions a crash interrupted.
//
// Over MongoDB each of them waits for the write lease, and a process that died holding it
// keeps it until it expires (30 s). Reads need none of them: they are served from what is
// stored. So there the server listens first and these run in the background, retried until
// they succeed; requests that write wait until they are done (a POST after a restart then
// sees the directory the files describe, and its own lease wait comes after). The embedded
// store never waits for another process: there they are done before the server listens.
import type { Logger } from 'pino';
import { AdminError } from './admin/admin-error';
import { DirectoryFilesError } from './admin/apply-files';

/** 'waiting': not done yet; 'ready': all done; 'failed': a step failed for good (see the log). */
export type StartupWritesState = 'waiting' | 'ready' | 'failed';

export interface StartupStep {
  /** For the log. */
  name: string;
  run: () => Promise<void>;
}

/** How long after a failed step it is tried again. */
const RETRY_MS = 5_000;

export class StartupWrites {
  private current: StartupWritesState = 'waiting';
  private settle!: () => void;
  /** Resolves once every step has succeeded, or one has failed (writes then go ahead; the step is retried). */
  private readonly settledPromise = new Promise<void>((resolve) => (this.settle = resolve));
  private stopped = false;
  private retryTimer: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(
    private readonly steps: StartupStep[],
    private readonly logger: Logger,
    private readonly retryMs = RETRY_MS,
  ) {}

  state(): StartupWritesState {
    return this.current;
  }

  /** Resolves once the start-up writes are done, or failed once; never rejects. */
  settled(): Promise<void> {
    return this.settledPromise;
  }

  /** Every step once, in order, now; the first failure is thrown (the caller does not start). */
  async runNow(): Promise<void> {
    try {
      for (const step of this.steps) await step.run();
      this.current = 'ready';
    } catch (e) {
      this.current = 'failed';
      throw e;
    } finally {
      this.settle();
    }
  }

  /**
   * Every step in order, in the background: a step that fails is logged and tried again
   * after `retryMs`, unless it can never succeed as it is (invalid directory files or
   * records: an operator must fix them), which is logged and skipped. Resolves when done.
   */
  async runInBackground(): Promise<void> {
    const started = Date.now();
    let failedForGood = false;
    for (const step of this.steps) {
      for (let attempt = 1; ; attempt++) {
        if (this.stopped) return;
        try {
          await step.run();
          break;
        } catch (e) {
          if (this.stopped) return;
          this.settle();
          if (e instanceof AdminError || e instanceof DirectoryFilesError) {
            this.logger.error({ err: e, step: step.name }, `start-up write failed and is not retried: ${step.name}`);
            failedForGood = true;
            break;
          }
          this.logger.error({ err: e, step: step.name, attempt }, `start-up write failed; tried again in ${this.retryMs} ms: ${step.name}`);
          await this.pause();
        }
      }
    }
    this.current = failedForGood ? 'failed' : 'ready';
    this.settle();
    this.logger.info({ ms: Date.now() - started, state: this.current }, 'start-up writes done; writes are served');
  }

  /** Stops retrying (the server is closing); a step in flight finishes. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer.timer);
      this.retryTimer.wake();
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.retryTimer = undefined;
        resolve();
      }, this.retryMs);
      timer.unref();
      this.retryTimer = { timer, wake: resolve };
    });
  }
}
