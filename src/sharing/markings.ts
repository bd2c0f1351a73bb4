// The effective marking of an object for Concord's distribution rules:
//
// - `object_marking_refs` naming the standard TLP 1.0 / TLP 2.0 marking definitions
//   (src/stix/rules/tlp-rules.ts TLP_MARKINGS; TLP 1.0 WHITE counts as CLEAR), and IEP 2.0
//   marking definitions the hub holds (extension IEP_2_0_EXTENSION_ID, its `tlp` property),
//   looked up through `ctx.markingDefinition(id)`.
// - Several markings: the most restrictive wins (STIX defines no combination rule).
// - No marking that sets a level: the provider's default (`providerMou.provide.defaultMarking`).
// - Marking refs Concord cannot read (not TLP, not IEP, not held, statements...) are ignored
//   for distribution: they neither lower nor raise the level.
// - IEP `provider_attribution` (may | must | must-not): the most restrictive one present
//   (must-not > must > may); must-not makes the provider pseudonymised (attribution-rules.ts).
// - Granular markings (§7.2.3): the level of each marked part (selector), the most
//   restrictive of the TLP/IEP markings applied to it. `lang` granular markings carry no
//   level and are ignored here.
import type { DecisionContext } from './decision';
import type { StixObject } from '../stix/rules/rule';
import { TLP_MARKINGS, type TlpLevel } from '../stix/rules/tlp-rules';
import { isPlainObject } from '../stix/rules/spec-properties';
import { MARKING_LEVELS, type MarkingLevel, levelRank } from '../directory/mou';

export const IEP_2_0_EXTENSION_ID = 'extension-definition--762e2e97-ee51-43e5-a9ea-165fbb862c4a';

export type ProviderAttribution = 'may' | 'must' | 'must-not';
const ATTRIBUTION_RANK: Readonly<Record<ProviderAttribution, number>> = { may: 0, must: 1, 'must-not': 2 };

/** What one marking definition means for distribution. */
export interface MarkingMeaning {
  /** Undefined when the marking sets no TLP level (an IEP without `tlp`). */
  level?: MarkingLevel;
  providerAttribution?: ProviderAttribution;
  /** `TLP:AMBER`, `IEP TLP:RED` — for reasons. */
  label: string;
  iep: boolean;
}

export interface EffectiveMarking {
  level: MarkingLevel;
  /** True when the level comes from the object's markings, false when it is the provider's default. */
  explicit: boolean;
  /** Labels of the markings that set the level (most restrictive first is not guaranteed). */
  labels: string[];
  providerAttribution?: ProviderAttribution;
  /** IEP markings present on the object (their labels). */
  iep: string[];
  /** Marking refs that were ignored (unknown to the hub, or without a level). */
  ignored: string[];
}

export interface GranularPart {
  selector: string;
  level: MarkingLevel;
  labels: string[];
}

type MarkingLookup = Pick<DecisionContext, 'markingDefinition'>;

function tlpToLevel(level: TlpLevel | string): MarkingLevel | undefined {
  switch (level.toLowerCase()) {
    case 'white':
    case 'clear':
      return 'clear';
    case 'green':
      return 'green';
    case 'amber':
      return 'amber';
    case 'amber+strict':
      return 'amber+strict';
    case 'red':
      return 'red';
    default:
      return undefined;
  }
}

export function levelLabel(level: MarkingLevel): string {
  return `TLP:${level.toUpperCase()}`;
}

const STANDARD_MEANINGS: ReadonlyMap<string, MarkingMeaning> = new Map(
  [...TLP_MARKINGS].map(([id, marking]) => {
    const level = tlpToLevel(marking.level);
    return [id, { level, label: `TLP:${marking.level.toUpperCase()}`, iep: false }];
  }),
);

/** Whether the id is one of the standard TLP marking definitions (known without a lookup). */
export function isStandardMarking(id: string): boolean {
  return STANDARD_MEANINGS.has(id);
}

/** The marking definitions an object names: object_marking_refs and granular markings' marking_ref. */
export function markingRefsOf(object: StixObject): string[] {
  const refs: string[] = [];
  if (Array.isArray(object.object_marking_refs)) for (const r of object.object_marking_refs) if (typeof r === 'string') refs.push(r);
  if (Array.isArray(object.granular_markings)) {
    for (const g of object.granular_markings) if (isPlainObject(g) && typeof g.marking_ref === 'string') refs.push(g.marking_ref);
  }
  return refs;
}

/** The meaning of one marking definition id, or undefined when Concord cannot read it. */
export function markingMeaning(id: string, ctx: MarkingLookup): MarkingMeaning | undefined {
  const standard = STANDARD_MEANINGS.get(id);
  if (standard !== undefined) return standard;
  const definition = ctx.markingDefinition(id);
  if (definition === undefined || definition.type !== 'marking-definition') return undefined;
  const extensions = definition.extensions;
  if (!isPlainObject(extensions)) return undefined;
  const iep = extensions[IEP_2_0_EXTENSION_ID];
  if (!isPlainObject(iep)) return undefined;
  const level = typeof iep.tlp === 'string' ? tlpToLevel(iep.tlp) : undefined;
  const stated = typeof iep.provider_attribution === 'string' ? iep.provider_attribution.toLowerCase() : undefined;
  const providerAttribution = stated === 'may' || stated === 'must' || stated === 'must-not' ? stated : undefined;
  const name = typeof definition.name === 'string' ? definition.name : id;
  return { level, providerAttribution, label: level ? `IEP ${name} (${levelLabel(level)})` : `IEP ${name}`, iep: true };
}

function stricterAttribution(a: ProviderAttribution | undefined, b: ProviderAttribution | undefined): ProviderAttribution | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return ATTRIBUTION_RANK[a] >= ATTRIBUTION_RANK[b] ? a : b;
}

/** The effective marking of an object (see the header). */
export function effectiveMarking(object: StixObject, ctx: MarkingLookup, defaultMarking: MarkingLevel): EffectiveMarking {
  const refs = object.object_marking_refs;
  let rank = -1;
  let labels: string[] = [];
  let providerAttribution: ProviderAttribution | undefined;
  const iep: string[] = [];
  const ignored: string[] = [];
  if (Array.isArray(refs)) {
    for (const ref of refs) {
      if (typeof ref !== 'string') continue;
      const meaning = markingMeaning(ref, ctx);
      if (meaning === undefined) {
        ignored.push(ref);
        continue;
      }
      if (meaning.iep) iep.push(meaning.label);
      providerAttribution = stricterAttribution(providerAttribution, meaning.providerAttribution);
      if (meaning.level === undefined) continue;
      const meaningRank = levelRank(meaning.level);
      if (meaningRank > rank) {
        rank = meaningRank;
        labels = [meaning.label];
      } else if (meaningRank === rank) {
        labels.push(meaning.label);
      }
    }
  }
  if (rank < 0) {
    return { level: defaultMarking, explicit: false, labels: [`${levelLabel(defaultMarking)} (provider default)`], providerAttribution, iep, ignored };
  }
  return { level: MARKING_LEVELS[rank], explicit: true, labels, providerAttribution, iep, ignored };
}

/**
 * The level of each part of the object that granular markings mark with a TLP/IEP level
 * (the most restrictive of the markings applied to that selector), in first-seen order.
 */
export function granularParts(object: StixObject, ctx: MarkingLookup): GranularPart[] {
  const granular = object.granular_markings;
  if (!Array.isArray(granular) || granular.length === 0) return [];
  const parts = new Map<string, GranularPart>();
  for (const entry of granular) {
    if (!isPlainObject(entry) || typeof entry.marking_ref !== 'string' || !Array.isArray(entry.selectors)) continue;
    const meaning = markingMeaning(entry.marking_ref, ctx);
    if (meaning?.level === undefined) continue;
    for (const selector of entry.selectors) {
      if (typeof selector !== 'string') continue;
      const part = parts.get(selector);
      if (part === undefined) {
        parts.set(selector, { selector, level: meaning.level, labels: [meaning.label] });
      } else if (levelRank(meaning.level) > levelRank(part.level)) {
        part.level = meaning.level;
        part.labels = [meaning.label];
      } else if (meaning.level === part.level && !part.labels.includes(meaning.label)) {
        part.labels.push(meaning.label);
      }
    }
  }
  return [...parts.values()];
}
