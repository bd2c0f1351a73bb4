// What POST needs of a verdict, as plain data that can cross a worker boundary.
import type { StixObject } from './rules/rule';
import { refusalMessage, warningMessage, type StixValidator, type ValidationOptions } from './stix-validator';

export interface VerdictSummary {
  accepted: boolean;
  /** The refusal reasons, or the warnings of an accepted object. */
  message?: string;
}

export function summarise(validator: StixValidator, candidate: unknown, options: ValidationOptions): VerdictSummary | null {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) return null;
  const obj = candidate as StixObject;
  const id = typeof obj.id === 'string' ? obj.id : '(no id)';
  const verdict = validator.validate(obj, options);
  if (!verdict.accepted) return { accepted: false, message: refusalMessage(id, verdict) };
  const warning = warningMessage(id, verdict);
  return warning === undefined ? { accepted: true } : { accepted: true, message: warning };
}
