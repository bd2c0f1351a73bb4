// A validation thread: compiles the schemas once, then validates the objects of each
// envelope it is handed (as JSON text, which crosses threads far cheaper than objects).
import { StixValidator, type ValidationOptions } from './stix-validator';
import { summarise, type VerdictSummary } from './verdict-summary';

const validator = StixValidator.load();

export interface ValidationTask {
  /** The request body: a TAXII envelope or STIX bundle. */
  text: string;
  options: ValidationOptions;
  /** The objects to validate: those whose index i has i % stride === offset, in order. */
  stride: number;
  offset: number;
}

export default function validateEnvelope(task: ValidationTask): Array<VerdictSummary | null> {
  const body = JSON.parse(task.text) as { objects?: unknown };
  const objects = Array.isArray(body?.objects) ? (body.objects as unknown[]) : [];
  const out: Array<VerdictSummary | null> = [];
  for (let i = task.offset; i < objects.length; i += task.stride) out.push(summarise(validator, objects[i], task.options));
  return out;
}
