// One decision in the making (decide.ts): the facts its steps read, gathered once per
// call, and what the steps that let the version through have added so far. decide() runs
// once per reader per published version, so the steps share this one object rather than
// each building its own result.
import type { MarkingLevel, ProviderTerms, RecipientTerms } from '../directory/mou';
import type { MemberRecord } from '../directory/records';
import type { StixObject } from '../stix/rules/rule';
import type { DecisionContext, Reason, Transform } from './decision';
import type { EffectiveMarking } from './markings';

export interface DecisionDraft {
  readonly object: StixObject;
  /** The object's STIX type, '' when it has none. */
  readonly type: string;
  readonly context: DecisionContext;
  /** The reader's current record (audiences.ts currentRecord): group changes apply at once. */
  readonly reader: MemberRecord;
  readonly receive: RecipientTerms;
  readonly provider: MemberRecord;
  readonly provide: ProviderTerms;
  readonly marking: EffectiveMarking;
  /** marking.level, the object's effective level. */
  readonly level: MarkingLevel;
  readonly reasons: Reason[];
  readonly transforms: Transform[];
  /** Set by the embargo step. */
  visibleFrom: number | undefined;
  /** Set by the closure and reference steps when they refuse: the references the reader cannot see yet. */
  waitingFor: string[] | undefined;
  // Attribution is decided early (a reader may refuse pseudonymised objects) but applied
  // after redaction: transforms and reasons keep the order of the rules in decide.ts.
  attributionTransform: Transform | undefined;
  attributionReason: Reason | undefined;
}

/**
 * Why a step refuses the reader this version; it ends the decision. Each step (one rule of
 * decide.ts) returns its refusal, or undefined once it has added its reasons and transforms.
 */
export type Refusal = Reason;
