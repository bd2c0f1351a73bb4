// The writes a server does at start: the directory files (directory.apply_on_start), the
// bootstrap admin, the distributions a crash interrupted.
//
// Over MongoDB each of them waits for the write lease, and a process that died holding it
// keeps it until it expires (30 s). Reads need none of them: they are served from what is
// stored. So there the server listens first and these run in the background, retried until
// they succeed. Requests that write wait for the steps they depend on (`beforeWrites`: the
// directory files and the bootstrap admin, so that a POST after a restart sees the directory
// the files describe), not for the others: recovering a collection's distributions waits
// for that collection's lease only, and a write elsewhere need not wait with it. The
// embedded store never waits for another process: there they are done before listening.
import type { Logger } from 'pino';
import { AdminError } from './admin/admin-error';
import { DirectoryFilesError } from './admin/apply-files';

/** 'waiting': not done yet; 'ready': all done; 'failed': a step failed for good (see the log). */
export type StartupWritesState = 'waiting' | 'ready' | 'failed';

export interface StartupStep {
  /** For the log. */
  name: string;
  run: () => Promise<void>;
  /** Requests that write wait until this step is done (or has failed once). */
  beforeWrites?: boolean;
}

/** How long after a failed step it is tried again. */
const RETRY_MS = 5_000;

export class StartupWrites {
  private current: StartupWritesState = 'waiting';
  private open = false;
  private resolveOpen!: () => void;
  /** Resolves once the `beforeWrites` steps are done, or one has failed (writes then go ahead; the step is retried). */
  private readonly opened = new Promise<void>((resolve) => (this.resolveOpen = resolve));
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

  /** Whether requests that write may go ahead: the steps they depend on are done, or one failed. */
  writesOpen(): boolean {
    return this.open;
  }

  /** Resolves once writesOpen(); never rejects. */
  whenWritesOpen(): Promise<void> {
    return this.opened;
  }

  private openWrites(): void {
    this.open = true;
    this.resolveOpen();
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
      this.openWrites();
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
    for (const [i, step] of this.steps.entries()) {
      if (!this.steps.slice(i).some((s) => s.beforeWrites === true)) this.openWrites();
      for (let attempt = 1; ; attempt++) {
        if (this.stopped) return;
        try {
          await step.run();
          break;
        } catch (e) {
          if (this.stopped) return;
          this.openWrites();
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
    this.openWrites();
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
