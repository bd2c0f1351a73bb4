// References to objects the reader may not see (decide.ts rule 10). Any object may name
// others in `*_ref` / `*_refs` properties (references.ts), custom ones and ones inside
// extensions included; an id alone tells of an object the reader may not see, and an SCO's
// id derives from its value (STIX 2.1 §2.9), so a hidden id would confirm a guessed IP or
// hash. Such references are removed (`redact-refs`), unless the object cannot stand
// without them or the provider withholds rather than redacts: then the object is withheld
// and waits for them, as relationship closure does, so that it is decided again once the
// reader sees them.
import type { DecisionDraft, Refusal } from './decision-draft';
import { attributionMode } from './attribution-rules';
import { CLOSURE_PROPERTIES, type ReferenceAt, referencePaths } from './references';
import { requiredReferenceProblem } from './required-properties';
import { formatSelector, parseSelector, type SelectorPath } from './transforms';

/** Whether `path` is `prefix` or lies inside it. */
function within(path: ReferenceAt['path'], prefix: SelectorPath): boolean {
  if (path.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (path[i] !== prefix[i]) return false;
  return true;
}

/** The parts earlier rules (granular, strip) already remove. */
function removedEarlier(draft: DecisionDraft): SelectorPath[] {
  const out: SelectorPath[] = [];
  for (const t of draft.transforms) {
    if (t.kind === 'strip-properties') for (const p of t.properties) out.push([p]);
    else if (t.kind === 'strip-references') for (const i of t.indexes) out.push(['external_references', i]);
    else if (t.kind === 'redact-granular') {
      for (const selector of t.selectors) {
        const path = parseSelector(selector);
        if (path !== undefined) out.push(path);
      }
    }
  }
  return out;
}

/**
 * Whether attribution already takes care of this reference: it names the provider, which
 * attribution either keeps named (the agreement says so) or replaces by the hub or a
 * pseudonym (hub-issued ids, which tell nothing).
 */
function attributed(draft: DecisionDraft, at: ReferenceAt): boolean {
  const identityRef = draft.provider.identityRef;
  const transform = draft.attributionTransform;
  if (transform?.kind === 'pseudonymise') return at.id === transform.identityRef && at.path.length <= 2;
  if (transform?.kind === 'attribute-to-hub') return at.path.length === 1 && at.path[0] === 'created_by_ref';
  return identityRef !== undefined && at.id === identityRef && attributionMode(draft) === 'keep';
}

function pseudonymisedAway(draft: DecisionDraft, at: ReferenceAt): boolean {
  const transform = draft.attributionTransform;
  return transform?.kind === 'pseudonymise' && at.id === transform.identityRef;
}

/** Rule 10: references to objects the reader may not see are removed, or the object withheld. */
export function referenceRedaction(draft: DecisionDraft): Refusal | undefined {
  const { object, context, reader, provider } = draft;
  const references = referencePaths(object);
  if (references.length === 0) return undefined;
  // The pseudonym identity that replaces the provider's own identity object names nothing.
  if (draft.attributionTransform?.kind === 'pseudonymise' && object.id === draft.attributionTransform.identityRef) return undefined;
  // A relationship's or sighting's own references are closure's (rule 6), as the reader chose.
  const closure = CLOSURE_PROPERTIES.get(draft.type);
  const earlier = removedEarlier(draft);
  let hidden: ReferenceAt[] | undefined;
  for (const at of references) {
    if (closure !== undefined && typeof at.path[0] === 'string' && closure.has(at.path[0])) continue;
    if (earlier.some((removed) => within(at.path, removed))) continue;
    if (attributed(draft, at)) continue;
    // A pseudonymised provider's real identity id never reaches another member, even where
    // the pseudonymise transform does not replace it (below the top level).
    if (context.isVisibleToReader(at.id) === true && !pseudonymisedAway(draft, at)) continue;
    (hidden ??= []).push(at);
  }
  if (hidden === undefined) return undefined;
  const ids = [...new Set(hidden.map((at) => at.id))];
  const what = `${draft.type} references ${ids.join(', ')}, not visible to ${reader.id}`;
  if (draft.provide.redactReferences === 'withhold') {
    draft.waitingFor = ids;
    return { rule: 'references', text: `${what}; ${provider.id} withholds rather than redacts (provide.redact_references): withheld until visible` };
  }
  const problem = requiredReferenceProblem(object, [...earlier, ...hidden.map((at) => [...at.path])]);
  if (problem !== undefined) {
    draft.waitingFor = ids;
    return { rule: 'references', text: `${what}; removing them would leave it invalid (${problem}): withheld until visible` };
  }
  draft.transforms.push({ kind: 'redact-refs', ids });
  draft.reasons.push({ rule: 'references', text: `${what}: removed (${hidden.map((at) => formatSelector([...at.path])).join(', ')})` });
  return undefined;
}

