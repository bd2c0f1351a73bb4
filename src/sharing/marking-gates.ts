// The decision steps that read markings (decide.ts rules 2, 3 for the ceiling, and 7): the
// hub's marking table (FIRST TLP 2.0) with the provider's audience clauses, the reader's
// marking ceiling, and granular markings (STIX 2.1 §7.2.3), which apply the same two gates
// at the level of each marked part.
import { type AudienceClause, type MarkingLevel, levelRank } from '../directory/mou';
import { matchingAudience } from './audiences';
import type { DecisionDraft, Refusal } from './decision-draft';
import type { Reason } from './decision';
import { granularParts, levelLabel } from './markings';
import { requiredPartProblem } from './required-properties';
import { parseSelector, type SelectorPath } from './transforms';

/** What a clause covers when it names no markings: every level but RED, which goes only to members named one by one. */
const DEFAULT_CLAUSE_MARKINGS: readonly MarkingLevel[] = ['clear', 'green', 'amber', 'amber+strict'];

interface Verdict {
  ok: boolean;
  reason: Reason;
}

function clauseLabel(index: number, clause: AudienceClause): string {
  return `clause ${index + 1} (${clause.to.join(', ')})`;
}

function clauseCovers(clause: AudienceClause, level: MarkingLevel, type: string): boolean {
  if (clause.types !== undefined && !clause.types.includes(type)) return false;
  return (clause.markings ?? DEFAULT_CLAUSE_MARKINGS).includes(level);
}

function anyClauseCovers(clauses: readonly AudienceClause[], level: MarkingLevel, type: string): boolean {
  for (const clause of clauses) if (clauseCovers(clause, level, type)) return true;
  return false;
}

/** The marking table and the provider's audience clauses, for the draft's object at one level. */
function audienceVerdict(draft: DecisionDraft, level: MarkingLevel): Verdict {
  const { reader, provider, type } = draft;
  const from = `${levelLabel(level)} ${type} from ${provider.id}`;
  const clauses = draft.provide.audiences;
  // Markings no clause covers follow the hub's marking table, as if there were no clauses.
  if (!anyClauseCovers(clauses, level, type)) {
    if (level === 'red') {
      return {
        ok: false,
        reason: { rule: 'marking', text: `${from} goes only to members ${provider.id} names one by one in a clause covering TLP:RED; no clause of ${provider.id}'s covers it` },
      };
    }
    const who =
      level === 'clear'
        ? 'every member'
        : level === 'green'
          ? 'every hub member'
          : `every member (${provider.id} names no need-to-know audience for it)`;
    return { ok: true, reason: { rule: 'marking', text: `${from} goes to ${who}; ${reader.id} is a member` } };
  }
  const covering: string[] = [];
  const excludedBy: string[] = [];
  for (let index = 0; index < clauses.length; index++) {
    const clause = clauses[index];
    if (!clauseCovers(clause, level, type)) continue;
    covering.push(clauseLabel(index, clause));
    let match: string | undefined;
    if (level === 'red') {
      const named = `member:${reader.id}`;
      match = clause.to.includes(named) ? named : undefined;
    } else {
      match = matchingAudience(reader, clause.to);
    }
    if (match === undefined) continue;
    const exception = clause.except === undefined ? undefined : matchingAudience(reader, clause.except);
    if (exception !== undefined) {
      excludedBy.push(`clause ${index + 1} by ${exception}`);
      continue;
    }
    const how = match === 'everyone' ? 'everyone' : match.startsWith('group:') ? `in ${match}` : `named (${match})`;
    return { ok: true, reason: { rule: 'audience', text: `${from} goes to ${clauseLabel(index, clause)}; ${reader.id} is ${how}` } };
  }
  const oneByOne = level === 'red' ? ' named one by one' : '';
  const exclusions = excludedBy.length > 0 ? `; ${reader.id} is excluded from ${excludedBy.join(', ')}` : '';
  return {
    ok: false,
    reason: { rule: 'audience', text: `${from} goes only to ${covering.join(', ')}; ${reader.id} is not${oneByOne} in them${exclusions}` },
  };
}

function withinCeiling(level: MarkingLevel, ceiling: MarkingLevel): boolean {
  return levelRank(level) <= levelRank(ceiling);
}

/** Not a gate: says which IEP 2.0 markings the object carries, before the gates speak. */
export function iepNotice(draft: DecisionDraft): undefined {
  const { iep, providerAttribution } = draft.marking;
  if (iep.length === 0) return undefined;
  const attribution = providerAttribution ? ` (provider_attribution ${providerAttribution})` : '';
  draft.reasons.push({ rule: 'iep', text: `IEP 2.0 marking ${iep.join(', ')}${attribution}` });
  return undefined;
}

/** Rule 2: the marking table, and the provider's audience clauses covering the object. */
export function markingTableAndAudiences(draft: DecisionDraft): Refusal | undefined {
  const verdict = audienceVerdict(draft, draft.level);
  if (!verdict.ok) return verdict.reason;
  draft.reasons.push(verdict.reason);
  return undefined;
}

/** Rule 3, `receive.markingCeiling`: said only when the reader lowered it below RED. */
export function recipientCeiling(draft: DecisionDraft): Refusal | undefined {
  const { level, reader } = draft;
  const ceiling = draft.receive.markingCeiling;
  if (!withinCeiling(level, ceiling)) {
    return { rule: 'recipient-ceiling', text: `${levelLabel(level)} is above ${reader.id}'s ceiling ${levelLabel(ceiling)}` };
  }
  if (ceiling !== 'red') draft.reasons.push({ rule: 'recipient-ceiling', text: `${levelLabel(level)} is within ${reader.id}'s ceiling ${levelLabel(ceiling)}` });
  return undefined;
}

/**
 * Rule 7: parts marked more restrictively than the object that the reader may not see
 * (rules 2 and 3 at the part's level) are redacted; a required part withholds the object.
 */
export function granularRedaction(draft: DecisionDraft): Refusal | undefined {
  const parts = granularParts(draft.object, draft.context);
  if (parts.length === 0) return undefined;
  const objectRank = levelRank(draft.level);
  const ceiling = draft.receive.markingCeiling;
  const visibleAtLevel = new Map<MarkingLevel, boolean>();
  const redactedSelectors: string[] = [];
  const redactedPaths: SelectorPath[] = [];
  const redactedLabels: string[] = [];
  for (const part of parts) {
    if (levelRank(part.level) <= objectRank) continue;
    let visible = visibleAtLevel.get(part.level);
    if (visible === undefined) {
      visible = audienceVerdict(draft, part.level).ok && withinCeiling(part.level, ceiling);
      visibleAtLevel.set(part.level, visible);
    }
    if (visible) continue;
    redactedSelectors.push(part.selector);
    const path = parseSelector(part.selector);
    if (path !== undefined) redactedPaths.push(path);
    redactedLabels.push(`${part.selector} (${levelLabel(part.level)})`);
  }
  if (redactedSelectors.length === 0) return undefined;
  const problem = requiredPartProblem(draft.object, redactedPaths);
  if (problem !== undefined) {
    return { rule: 'granular', text: `${draft.reader.id} may not see ${redactedLabels.join(', ')}, and ${problem}: withheld` };
  }
  draft.transforms.push({ kind: 'redact-granular', selectors: redactedSelectors });
  draft.reasons.push({ rule: 'granular', text: `${draft.reader.id} may not see ${redactedLabels.join(', ')}: redacted` });
  return undefined;
}
