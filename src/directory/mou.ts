// The sharing agreements (MOUs) a member signs with the hub, as Concord applies
// them: what a provider gives to whom, and what a recipient may receive. Plain data,
// declared in collections/ (schemas/config/directory.schema.json `mous`) and through the
// admin API; decide.ts applies it to one object for one reader.

/** Hub-wide marking levels, least to most restrictive (FIRST TLP 2.0; TLP 1.0 WHITE = CLEAR). */
export const MARKING_LEVELS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type MarkingLevel = (typeof MARKING_LEVELS)[number];

export function levelRank(level: MarkingLevel): number {
  return MARKING_LEVELS.indexOf(level);
}

/** The more restrictive of two levels (several markings on one object: the most restrictive wins). */
export function stricter(a: MarkingLevel, b: MarkingLevel): MarkingLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}

/** Who a clause reaches: `everyone`, `group:<id>`, `member:<id>`. */
export type Audience = string;

/** One clause of the provider side: these markings of these types go to these audiences. */
export interface AudienceClause {
  /** Markings the clause covers; default: every level except RED. */
  markings?: MarkingLevel[];
  /** STIX types the clause covers; default: every type. */
  types?: string[];
  to: Audience[];
  /** Members or groups left out even when `to` names them. */
  except?: Audience[];
}

export type Attribution = 'keep' | 'pseudonymise' | 'hub';

export interface ProviderTerms {
  /** The marking of objects that carry none (default GREEN). */
  defaultMarking: MarkingLevel;
  /**
   * Who receives what. No clause: everyone entitled by the marking table (RED: nobody).
   * With clauses: an object goes only to the audiences of the clauses covering its type
   * and marking — so AMBER goes to the need-to-know audiences named here, and RED only
   * to members named one by one (`member:<id>`) in a clause covering RED.
   */
  audiences: AudienceClause[];
  attribution: Attribution;
  /** Top-level properties removed before others see the object; `*` matches any run (`x_internal_*`). */
  strip: string[];
  /** `external_references` entries whose `url` matches one of these regular expressions are removed. */
  stripReferenceUrls: string[];
  /** Others see an object this many hours after it was published (0: at once). */
  embargoHours: number;
  /**
   * Others see an object only once the provider (through an admin or the CLI) releases it;
   * `embargoHours` still applies, counted from publication (default false).
   */
  embargoUntilReleased: boolean;
  /**
   * A reference (`*_ref`, `*_refs`) to an object the reader may not see: removed from what
   * it receives (`redact`, the default), or the object withheld until the reader sees it
   * (`withhold`). Either way a required reference withholds. Absent in agreements stored
   * before the term existed: `redact`.
   */
  redactReferences?: ReferenceRedaction;
}

export type ReferenceRedaction = 'redact' | 'withhold';

export interface RecipientTerms {
  /** STIX types accepted; undefined: every type. */
  types?: string[];
  /** The most restrictive marking accepted (default RED: whatever the providers allow). */
  markingCeiling: MarkingLevel;
  /** Providers accepted (`everyone`, `group:<id>`, `member:<id>`); undefined: every provider. */
  sources?: Audience[];
  /** Whether to accept objects whose provider is pseudonymised (default true). */
  acceptPseudonymised: boolean;
  /**
   * Relationship closure (default true): a relationship or sighting is received only when
   * every object it references is visible to the recipient too, so that no hidden object
   * can be learnt of through a reference.
   */
  relationshipClosed: boolean;
}

export interface Mou {
  memberId: string;
  provide: ProviderTerms;
  receive: RecipientTerms;
  managed?: boolean;
}

export const DEFAULT_PROVIDER_TERMS: ProviderTerms = {
  defaultMarking: 'green',
  audiences: [],
  attribution: 'keep',
  strip: [],
  stripReferenceUrls: [],
  embargoHours: 0,
  embargoUntilReleased: false,
  redactReferences: 'redact',
};

export const DEFAULT_RECIPIENT_TERMS: RecipientTerms = {
  markingCeiling: 'red',
  acceptPseudonymised: true,
  relationshipClosed: true,
};

/** A member without an MOU shares and receives under the defaults. */
export function defaultMou(memberId: string): Mou {
  return { memberId, provide: DEFAULT_PROVIDER_TERMS, receive: DEFAULT_RECIPIENT_TERMS };
}
