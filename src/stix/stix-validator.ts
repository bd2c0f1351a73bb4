// The STIX 2.1 gatekeeper: every published object is checked against the OASIS JSON
// schema of its type and against the specification's further rules, under the
// collection's policy. One verdict per object; nothing here decides about the envelope.
import type { ValidationPolicy } from '../directory/records';
import { StixSchemaValidator } from './schemas/stix-schema-validator';
import { ALL_RULES } from './rules';
import { IssueCollector, type RuleContext, type StixObject, type StixRule } from './rules/rule';
import { formatIssue, type ValidationIssue } from './validation-issue';

/** What the validator needs of the schema layer (StixSchemaValidator). */
export interface SchemaCheck {
  readonly compileMs: number;
  validate(obj: unknown): ValidationIssue[];
}

export interface ValidationOptions {
  policy: ValidationPolicy;
  allowCustom: boolean;
}

export interface Verdict {
  accepted: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

/** At most this many issues are reported per object, so that one broken object cannot make a huge status. */
export const MAX_ISSUES_PER_OBJECT = 10;

const CONTEXTS: readonly RuleContext[] = [
  Object.freeze({ allowCustom: false }),
  Object.freeze({ allowCustom: true }),
  Object.freeze({ allowCustom: false, permissive: true }),
  Object.freeze({ allowCustom: true, permissive: true }),
];

export class StixValidator {
  /** The rules the permissive policy runs: identity, and those standing in for schema checks. */
  private readonly permissiveRules: StixRule[];

  constructor(
    private readonly schemas: SchemaCheck,
    private readonly rules: readonly StixRule[] = ALL_RULES,
  ) {
    this.permissiveRules = rules.filter((r) => r.tier !== 'full');
  }

  /** Compiles the schemas once; call at start-up, never per request. */
  static load(): StixValidator {
    return new StixValidator(StixSchemaValidator.load());
  }

  get compileMs(): number {
    return this.schemas.compileMs;
  }

  validate(obj: StixObject, options: ValidationOptions): Verdict {
    const permissive = options.policy === 'permissive';
    const ctx = CONTEXTS[(permissive ? 2 : 0) + (options.allowCustom ? 1 : 0)] as RuleContext;
    const collector = new IssueCollector();
    const rules = permissive ? this.permissiveRules : this.rules;
    for (let i = 0; i < rules.length; i++) rules[i].check(obj, ctx, collector);
    const schemaIssues = this.schemas.validate(obj);
    // Nearly every object: nothing to sort, dedupe or bound.
    if (schemaIssues.length === 0 && collector.issues.length === 0) return { accepted: true, errors: [], warnings: [] };
    const issues = [...schemaIssues, ...collector.issues];
    const errors = dedupe(issues.filter((i) => i.severity === 'error'));
    const warnings = dedupe(issues.filter((i) => i.severity === 'warning'));
    const accepted = errors.length === 0 && (options.policy !== 'strict' || warnings.length === 0);
    return {
      accepted,
      errors: errors.slice(0, MAX_ISSUES_PER_OBJECT),
      warnings: warnings.slice(0, MAX_ISSUES_PER_OBJECT),
    };
  }
}

/** The schema and a rule may report the same defect at the same path; say it once. */
function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The status message for a refused object: its errors (and, under strict, warnings), bounded. */
export function refusalMessage(objectId: string, verdict: Verdict): string {
  const issues = verdict.errors.length > 0 ? verdict.errors : verdict.warnings;
  return issues.map((i) => formatIssue(objectId, i)).join('; ');
}

/** The status message for an accepted object that drew warnings. */
export function warningMessage(objectId: string, verdict: Verdict): string | undefined {
  if (verdict.warnings.length === 0) return undefined;
  return `accepted with warnings: ${verdict.warnings.map((i) => formatIssue(objectId, i)).join('; ')}`;
}
