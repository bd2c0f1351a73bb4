// Validation on other cores. A pool of worker threads (piscina) validates a publish's
// objects, batch by batch, while the request thread stays free for other requests; small
// batches are validated in place, where handing them over would cost more than it saves.
import path from 'node:path';
import Piscina from 'piscina';
import type { StixValidator, ValidationOptions } from './stix-validator';
import { summarise, type VerdictSummary } from './verdict-summary';
import type { ValidationTask } from './validation-worker';

/** Below this much JSON (about a hundred objects), handing work to a thread costs more than it saves. */
const POOL_THRESHOLD_CHARS = 128 * 1024;

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
   * One summary per object (null for a non-object), in order. `texts` are the objects'
   * JSON texts: threads get shares of them; in place, the parsed `objects` are used.
   */
  async validate(texts: readonly string[], objects: readonly unknown[], options: ValidationOptions): Promise<Array<VerdictSummary | null>> {
    const validator = (this.loaded ??= typeof this.validator === 'function' ? this.validator() : this.validator);
    const pool = this.pool;
    let chars = 0;
    for (const t of texts) chars += t.length;
    if (!pool || chars < POOL_THRESHOLD_CHARS) return objects.map((o) => summarise(validator, o, options));
    const share = Math.ceil(texts.length / pool.maxThreads);
    const tasks: Array<Promise<Array<VerdictSummary | null>>> = [];
    for (let start = 0; start < texts.length; start += share) {
      const task: ValidationTask = { texts: texts.slice(start, start + share), options };
      tasks.push(pool.run(task) as Promise<Array<VerdictSummary | null>>);
    }
    return (await Promise.all(tasks)).flat();
  }

  /** Resolves once every thread has compiled its schemas (start-up waits for it). */
  async ready(): Promise<void> {
    if (!this.pool) return;
    const pool = this.pool;
    const warmUp: ValidationTask = { texts: [], options: { policy: 'standard', allowCustom: true } };
    await Promise.all(Array.from({ length: pool.maxThreads }, () => pool.run(warmUp)));
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}
