// A validation thread: compiles the schemas once, then validates each batch of objects it
// is handed (as JSON text, which crosses threads far cheaper than objects).
import { StixValidator, type ValidationOptions } from './stix-validator';
import { summarise, type VerdictSummary } from './verdict-summary';

const validator = StixValidator.load();

export interface ValidationTask {
  /** The objects' JSON texts (each already known to be JSON). */
  texts: string[];
  options: ValidationOptions;
}

export default function validateBatch(task: ValidationTask): Array<VerdictSummary | null> {
  return task.texts.map((text) => summarise(validator, JSON.parse(text) as unknown, task.options));
}
