// The decision steps that read the agreements (MOU terms) rather than markings: what the
// reader receives (types, sources, relationship closure) and the provider's embargo
// (decide.ts rules 3, 5 and 6).
import { currentRecord, matchingAudience } from './audiences';
import type { DecisionDraft, Refusal } from './decision-draft';
import { referencedIds } from './references';

const HOUR_MS = 3_600_000;

/** Rule 3, `receive.types`. */
export function recipientTypes(draft: DecisionDraft): Refusal | undefined {
  const accepted = draft.receive.types;
  if (accepted === undefined) return undefined;
  if (!accepted.includes(draft.type)) {
    return { rule: 'recipient-types', text: `${draft.reader.id} receives only ${accepted.join(', ')}, not ${draft.type}` };
  }
  draft.reasons.push({ rule: 'recipient-types', text: `${draft.reader.id} receives ${draft.type}` });
  return undefined;
}

/** Rule 3, `receive.sources`: matched against the provider's current groups. */
export function recipientSources(draft: DecisionDraft): Refusal | undefined {
  const sources = draft.receive.sources;
  if (sources === undefined) return undefined;
  const { reader, provider } = draft;
  const source = matchingAudience(currentRecord(provider, draft.context.members), sources);
  if (source === undefined) {
    return { rule: 'recipient-sources', text: `${reader.id} receives only from ${sources.join(', ')}; ${provider.id} is not one of them` };
  }
  draft.reasons.push({ rule: 'recipient-sources', text: `${reader.id} receives from ${source}, which includes ${provider.id}` });
  return undefined;
}

/**
 * Rule 5: never refuses, puts off. Until released (the caller knows what is released),
 * else for `embargoHours` after publishing; the caller compares visibleFrom with its clock.
 */
export function embargo(draft: DecisionDraft): undefined {
  const { provide, provider, object } = draft;
  const objectId = typeof object.id === 'string' ? object.id : '';
  if (provide.embargoUntilReleased && draft.context.isReleased?.(objectId) !== true) {
    draft.visibleFrom = Number.MAX_SAFE_INTEGER;
    draft.reasons.push({ rule: 'embargo', text: `${provider.id} embargoes its objects until released: held until ${provider.id} releases it` });
  } else if (provide.embargoHours > 0) {
    const visibleFrom = draft.context.publishedAt + provide.embargoHours * HOUR_MS;
    draft.visibleFrom = visibleFrom;
    const released = provide.embargoUntilReleased ? ` (released by ${provider.id})` : '';
    draft.reasons.push({ rule: 'embargo', text: `${provider.id} embargoes for ${provide.embargoHours} h: visible from ${new Date(visibleFrom).toISOString()}${released}` });
  }
  return undefined;
}

/**
 * Rule 6, `receive.relationshipClosed`: a relationship or sighting whose references are not
 * all visible to the reader would tell it of objects it may not see; it waits for them.
 */
export function relationshipClosure(draft: DecisionDraft): Refusal | undefined {
  if (!draft.receive.relationshipClosed) return undefined;
  const references = referencedIds(draft.object);
  if (references.length === 0) return undefined;
  let hidden: string[] | undefined;
  for (const id of references) if (draft.context.isVisibleToReader(id) !== true) (hidden ??= []).push(id);
  if (hidden !== undefined) {
    draft.waitingFor = hidden;
    return { rule: 'closure', text: `${draft.type} references ${hidden.join(', ')}, not visible to ${draft.reader.id} (yet)` };
  }
  draft.reasons.push({ rule: 'closure', text: `every object the ${draft.type} references is visible to ${draft.reader.id}` });
  return undefined;
}
