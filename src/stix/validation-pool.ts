// Validation on other cores. The OASIS schemas cost tens of microseconds per object in
// ajv; run on the request thread, that nearly doubles the cost of ingest. A pool of
// worker threads (piscina) validates an envelope while the request thread parses and
// prepares it for the store; small envelopes are validated in place.
import path from 'node:path';
import Piscina from 'piscina';
import type { StixValidator, ValidationOptions } from './stix-validator';
import { summarise, type VerdictSummary } from './verdict-summary';
import type { ValidationTask } from './validation-worker';

/** Below this many objects, handing work to a thread costs more than it saves. */
const POOL_THRESHOLD = 100;
/** With one thread, the request thread validates this share itself (measured on 2 cores: bench/run.ts). */
const REQUEST_THREAD_SHARE = 0.5;

export class Validation {
  private readonly pool: Piscina | undefined;

  constructor(
    private readonly validator: StixValidator,
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
   * One summary per object of the envelope (null for a non-object), in order. A large
   * envelope is shared out: the request thread validates the first part itself while the
   * threads take the rest (each re-parses the text, so the request thread's part is
   * smaller; with one thread on two cores the split keeps both busy equally).
   */
  async validateAll(objects: unknown[], text: string | undefined, options: ValidationOptions): Promise<Array<VerdictSummary | null>> {
    const inPlace = (from: number, to: number) => objects.slice(from, to).map((o) => summarise(this.validator, o, options));
    if (!this.pool || text === undefined || objects.length < POOL_THRESHOLD) return inPlace(0, objects.length);
    const threads = this.pool.maxThreads;
    const mine = Math.floor((objects.length * REQUEST_THREAD_SHARE) / threads);
    const per = Math.ceil((objects.length - mine) / threads);
    const tasks: Array<Promise<Array<VerdictSummary | null>>> = [];
    for (let start = mine; start < objects.length; start += per) {
      const task: ValidationTask = { text, options, start, end: Math.min(objects.length, start + per) };
      tasks.push(this.pool.run(task) as Promise<Array<VerdictSummary | null>>);
    }
    const first = inPlace(0, mine);
    return first.concat(...(await Promise.all(tasks)));
  }

  /** Resolves once every thread has compiled its schemas (start-up waits for it). */
  async ready(): Promise<void> {
    if (!this.pool) return;
    const pool = this.pool;
    const warmUp: ValidationTask = { text: '{}', options: { policy: 'standard', allowCustom: true }, start: 0, end: 0 };
    await Promise.all(Array.from({ length: pool.maxThreads }, () => pool.run(warmUp)));
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}
