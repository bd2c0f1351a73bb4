// The shape of a STIX rule beyond the JSON schemas. Each rule file exports one or more
// `StixRule`s; src/stix/rules/index.ts lists them all.
import type { Severity, ValidationIssue } from '../validation-issue';

export type StixObject = Readonly<Record<string, unknown>>;

export interface RuleContext {
  /** Whether the collection accepts custom objects and custom properties. */
  allowCustom: boolean;
  /**
   * Set under the permissive policy, which runs the `identity` and `schema` tiers only: a
   * `schema` rule then makes only the checks the OASIS schemas make upstream.
   */
  permissive?: boolean;
}

export interface Reporter {
  error(path: string, message: string, source: string): void;
  warning(path: string, message: string, source: string): void;
}

/**
 * `identity` rules are the minimum every policy runs (identifiers, spec_version, the
 * timestamps that make up a version); `schema` rules make checks that the OASIS schemas
 * make upstream and that schema-patches.ts removes from them (a rule is far cheaper than
 * the schema keywords), so like the schemas they run under every policy; `full` rules run
 * under the standard and strict policies.
 */
export type RuleTier = 'identity' | 'schema' | 'full';

export interface StixRule {
  /** Short kebab-case name, for tests and logs. */
  name: string;
  tier: RuleTier;
  check(obj: StixObject, ctx: RuleContext, report: Reporter): void;
}

/** Collects issues; used by the validator and by rule tests. */
export class IssueCollector implements Reporter {
  readonly issues: ValidationIssue[] = [];

  error(path: string, message: string, source: string): void {
    this.add('error', path, message, source);
  }

  warning(path: string, message: string, source: string): void {
    this.add('warning', path, message, source);
  }

  private add(severity: Severity, path: string, message: string, source: string): void {
    this.issues.push({ severity, path, message, source });
  }
}
