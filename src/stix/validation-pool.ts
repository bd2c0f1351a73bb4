// Validation on other cores. A pool of worker threads (piscina) validates most of an
// envelope while the request thread parses it, validates its own share and prepares it for
// the store; small envelopes are validated in place. Each thread parses the whole body
// itself, which costs about half as much as validating it (a few microseconds per object):
// the pool pays off on real cores, hardly on two hyperthreads of one core.
import path from 'node:path';
import Piscina from 'piscina';
import type { StixValidator, ValidationOptions } from './stix-validator';
import { summarise, type VerdictSummary } from './verdict-summary';
import type { ValidationTask } from './validation-worker';

/** Below this body size (about a hundred objects), handing work to a thread costs more than it saves. */
const POOL_THRESHOLD_CHARS = 128 * 1024;

export interface PendingValidation {
  finish(objects: unknown[]): Promise<Array<VerdictSummary | null>>;
}

export class Validation {
  private readonly pool: Piscina | undefined;
  private loaded: StixValidator | undefined;

  /** `validator`: the compiled schemas, or how to compile them when first needed (CLI commands that never validate). */
  constructor(
    private readonly validator: StixValidator | (() => StixValidator),
    threads: number,
  ) {
    if (threads > 0) {
      const ts = __filename.endsWith('.ts');
      this.pool = new Piscina({
        filename: path.join(__dirname, `validation-worker.${ts ? 'ts' : 'js'}`),
        minThreads: threads,
        maxThreads: threads,
        // From sources (tests, bench), threads compile TypeScript as the main thread does.
        ...(ts ? { execArgv: ['-r', 'ts-node/register/transpile-only'] } : {}),
      });
    }
  }

  /**
   * Starts validating an envelope from its text, before the request thread has parsed it:
   * each thread parses the text itself and takes every (threads+1)-th object; `finish`,
   * called with the parsed objects, validates the request thread's share and returns one
   * summary per object (null for a non-object), in order. Small bodies are validated in place.
   */
  begin(text: string, options: ValidationOptions): PendingValidation {
    const validator = (this.loaded ??= typeof this.validator === 'function' ? this.validator() : this.validator);
    const inPlace = (objects: unknown[]) => objects.map((o) => summarise(validator, o, options));
    const pool = this.pool;
    if (!pool || text.length < POOL_THRESHOLD_CHARS) return { finish: async (objects) => inPlace(objects) };
    const stride = pool.maxThreads + 1;
    const tasks: Array<Promise<Array<VerdictSummary | null>>> = [];
    for (let offset = 1; offset < stride; offset++) {
      const task: ValidationTask = { text, options, stride, offset };
      const run = pool.run(task) as Promise<Array<VerdictSummary | null>>;
      run.catch(() => undefined); // a body refused before finish() (400, 413, 422) leaves its task unread
      tasks.push(run);
    }
    return {
      finish: async (objects) => {
        const mine: Array<VerdictSummary | null> = [];
        for (let i = 0; i < objects.length; i += stride) mine.push(summarise(validator, objects[i], options));
        const theirs = await Promise.all(tasks);
        return objects.map((_, i) => {
          const share = i % stride;
          const k = Math.floor(i / stride);
          return (share === 0 ? mine[k] : theirs[share - 1]?.[k]) ?? null;
        });
      },
    };
  }

  /** Resolves once every thread has compiled its schemas (start-up waits for it). */
  async ready(): Promise<void> {
    if (!this.pool) return;
    const pool = this.pool;
    const warmUp: ValidationTask = { text: '{}', options: { policy: 'standard', allowCustom: true }, stride: 1, offset: 0 };
    await Promise.all(Array.from({ length: pool.maxThreads }, () => pool.run(warmUp)));
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}
