// A validation thread: compiles the schemas once, then validates the objects of each
// envelope it is handed (as JSON text, which crosses threads far cheaper than objects).
import { StixValidator, type ValidationOptions } from './stix-validator';
import { summarise, type VerdictSummary } from './verdict-summary';

const validator = StixValidator.load();

export interface ValidationTask {
  /** The request body: a TAXII envelope or STIX bundle. */
  text: string;
  options: ValidationOptions;
  /** The objects to validate: indices start (inclusive) to end (exclusive). */
  start: number;
  end: number;
}

export default function validateEnvelope(task: ValidationTask): Array<VerdictSummary | null> {
  const body = JSON.parse(task.text) as { objects?: unknown[] };
  return (body.objects ?? []).slice(task.start, task.end).map((o) => summarise(validator, o, task.options));
}
