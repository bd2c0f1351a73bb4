// The shape of a distribution decision. `decide` (decide.ts) is the one pure
// function that says whether a reader may see one object version and in what form; the
// distributor applies it when objects arrive and when policies change, and the store
// serves each reader only what it materialised — visibility is the query.
import type { MemberRecord } from '../directory/records';
import type { StixObject } from '../stix/rules/rule';
import type { MarkingLevel, Mou } from '../directory/mou';

export interface Reader {
  member: MemberRecord;
  mou: Mou;
}

export interface DecisionContext {
  /** The member that published this version, and its agreement. */
  provider: MemberRecord;
  providerMou: Mou;
  /** When the version was published (ms since the epoch), for embargoes. */
  publishedAt: number;
  /** Every member of the hub by id (for group membership of audiences and sources). */
  members: ReadonlyMap<string, MemberRecord>;
  /**
   * The marking definitions the hub holds, by id (custom markings such as IEP 2.0 ones);
   * the standard TLP 1.0/2.0 definitions are known without it.
   */
  markingDefinition(id: string): StixObject | undefined;
  /**
   * Relationship closure and reference redaction: whether an object the version
   * references is visible to the reader. `undefined` when the hub does not hold it (yet).
   */
  isVisibleToReader(objectId: string): boolean | undefined;
  /** The hub-issued pseudonym identity id of a member (stable: same member, same id). */
  pseudonymOf(memberId: string): string;
  /** The hub's own identity id, for attribution `hub`. */
  hubIdentity: string;
  /**
   * Embargo until released (`provide.embargoUntilReleased`): whether the provider has
   * released this object; absent means nothing is released.
   */
  isReleased?(objectId: string): boolean;
}

/** Why: one line a human can check against the agreement or the marking table. */
export interface Reason {
  /** `own`, `marking`, `audience`, `recipient-types`, `recipient-ceiling`, `recipient-sources`, `embargo`, `closure`, `granular`, `attribution`, `strip`, `references`, `iep`, `suspended` */
  rule: string;
  /** e.g. "TLP:AMBER from ohio goes to the audiences of clause 2 (group:states); indiana is in group:states". */
  text: string;
}

export type Transform =
  /** `created_by_ref` (and the provider's identity object itself) replaced by the pseudonym identity. */
  | { kind: 'pseudonymise'; identityRef: string; pseudonym: string }
  /** `created_by_ref` replaced by the hub's identity. */
  | { kind: 'attribute-to-hub'; identityRef: string | undefined; hubIdentity: string }
  /** Top-level properties removed. */
  | { kind: 'strip-properties'; properties: string[] }
  /** `external_references` entries removed (their indexes in the original list). */
  | { kind: 'strip-references'; indexes: number[] }
  /** Parts marked above what the reader may see (granular markings, STIX 2.1 §7.2.3), removed; selectors as in the object. */
  | { kind: 'redact-granular'; selectors: string[] }
  /**
   * References (`*_ref`, `*_refs`, at any depth, references.ts) to objects the reader may
   * not see, removed: list items taken out, a `*_ref` property removed.
   */
  | { kind: 'redact-refs'; ids: string[] };

export interface Decision {
  allow: boolean;
  /** Applied in order to a copy of the object (transforms.ts applyTransforms). */
  transforms: Transform[];
  reasons: Reason[];
  /** The object's effective marking (most restrictive of its markings; the provider's default when unmarked). */
  marking: MarkingLevel;
  /** When allowed but embargoed: the instant (ms) it becomes visible to this reader. */
  visibleFrom?: number;
  /**
   * Set when a refusal depends on referenced objects the reader cannot see yet (closure, or
   * references that cannot be redacted): their ids.
   */
  waitingFor?: string[];
}
