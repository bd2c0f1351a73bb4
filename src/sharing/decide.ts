// The distribution decision: whether one reader may see one object version and
// in what form. Pure and deterministic: no I/O, no clock (an embargo is returned as
// `visibleFrom`, the caller compares it with its own now).
//
// Rules, in order (the first that refuses decides; every step that mattered adds a Reason):
//  1. own        — the provider always sees its own objects, untransformed.
//  2. marking / audience — the hub's marking table (FIRST TLP 2.0) and the provider's
//     audience clauses together:
//       no clause covering the object's type and marking (the marking table alone):
//                     CLEAR, GREEN, AMBER, AMBER+STRICT → every member; RED → nobody.
//       covering clauses: only members in the `to` of a clause covering the object's type
//                     (`types`, default any) and marking (`markings`, default every level
//                     but RED), minus that clause's `except`; for RED the member must be
//                     named one by one (`member:<id>`), groups and `everyone` do not count.
//     Suspended members are decided like any other (the access layer refuses them).
//  3. recipient  — `receive.types`, `receive.markingCeiling`, `receive.sources`.
//  4. attribution acceptance — `receive.acceptPseudonymised: false` refuses an object the
//     provider pseudonymises (one that the pseudonymise transform would change).
//  5. embargo    — `provide.embargoUntilReleased` and the object not released
//     (context.isReleased): allowed with visibleFrom = Number.MAX_SAFE_INTEGER (held until the
//     provider releases it); otherwise `provide.embargoHours > 0`: allowed with
//     visibleFrom = publishedAt + hours.
//  6. closure    — `receive.relationshipClosed` (default true): a relationship or sighting
//     whose references are not all visible to the reader is refused, `waitingFor` them.
//  7. granular   — parts marked more restrictively than the object that the reader may not
//     see at their level (rules 2–3 at that level) are redacted; a required part → refused.
//  8. attribution — `pseudonymise` (or IEP provider_attribution must-not while the MOU says
//     `keep`) → pseudonymise; `hub` → attribute-to-hub. IEP `must` keeps attribution.
//  9. strip      — `provide.strip` globs and `provide.stripReferenceUrls` regexes. A glob
//     never strips id, type, spec_version, created, modified, object_marking_refs or
//     granular_markings; stripping a property the type requires refuses the object.
// 10. references — a reference (`*_ref`, `*_refs`, at any depth; marking references aside)
//     to an object the reader does not see is removed (redact-refs), unless relationship
//     closure governs it (an SRO's own references) or attribution does (the provider's
//     identity: kept by `keep`, replaced by `pseudonymise` / `hub`). The object is refused,
//     waiting for those objects, when a required reference would go (report object_refs
//     left empty, a language-content object_ref, ...) or `provide.redactReferences` is
//     `withhold`.
//
// A part's level is the stricter of its granular level and the object's level; unknown
// markings are ignored (markings.ts). Clause numbers in reasons are 1-based.
//
// Each rule is a step that reads and adds to a DecisionDraft (decision-draft.ts), in the
// file of its theme: marking-gates.ts, agreement-terms.ts, attribution-rules.ts, strip-rules.ts,
// reference-redaction.ts.
import type { StixObject } from '../stix/rules/rule';
import { embargo, recipientSources, recipientTypes, relationshipClosure } from './agreement-terms';
import { attribution, attributionAcceptance } from './attribution-rules';
import { currentRecord } from './audiences';
import type { DecisionDraft, Refusal } from './decision-draft';
import type { Decision, DecisionContext, Reader } from './decision';
import { granularRedaction, iepNotice, markingTableAndAudiences, recipientCeiling } from './marking-gates';
import { type EffectiveMarking, effectiveMarking } from './markings';
import { referenceRedaction } from './reference-redaction';
import { propertyStrip, referenceUrlStrip } from './strip-rules';

export function decide(reader: Reader, object: StixObject, context: DecisionContext): Decision {
  const marking = effectiveMarking(object, context, context.providerMou.provide.defaultMarking);
  if (reader.member.id === context.provider.id) {
    return { allow: true, transforms: [], reasons: [{ rule: 'own', text: `${reader.member.id} published this object` }], marking: marking.level };
  }
  const draft = draftOf(reader, object, context, marking);
  // Called one by one rather than looped over: each call site stays monomorphic on this hot path.
  const refusal =
    iepNotice(draft) ??
    markingTableAndAudiences(draft) ??
    recipientTypes(draft) ??
    recipientCeiling(draft) ??
    recipientSources(draft) ??
    attributionAcceptance(draft) ??
    embargo(draft) ??
    relationshipClosure(draft) ??
    granularRedaction(draft) ??
    attribution(draft) ??
    propertyStrip(draft) ??
    referenceUrlStrip(draft) ??
    referenceRedaction(draft);
  return refusal === undefined ? allowed(draft) : refused(draft, refusal);
}

function draftOf(reader: Reader, object: StixObject, context: DecisionContext, marking: EffectiveMarking): DecisionDraft {
  return {
    object,
    type: typeof object.type === 'string' ? object.type : '',
    context,
    reader: currentRecord(reader.member, context.members),
    receive: reader.mou.receive,
    provider: context.provider,
    provide: context.providerMou.provide,
    marking,
    level: marking.level,
    reasons: [],
    transforms: [],
    visibleFrom: undefined,
    waitingFor: undefined,
    attributionTransform: undefined,
    attributionReason: undefined,
  };
}

function allowed(draft: DecisionDraft): Decision {
  const decision: Decision = { allow: true, transforms: draft.transforms, reasons: draft.reasons, marking: draft.level };
  if (draft.visibleFrom !== undefined) decision.visibleFrom = draft.visibleFrom;
  return decision;
}

/** A refused version is not shown at all: no transforms, no embargo; the refusal is the last reason. */
function refused(draft: DecisionDraft, refusal: Refusal): Decision {
  draft.reasons.push(refusal);
  const transforms = draft.transforms.length === 0 ? draft.transforms : [];
  const decision: Decision = { allow: false, transforms, reasons: draft.reasons, marking: draft.level };
  if (draft.waitingFor !== undefined) decision.waitingFor = draft.waitingFor;
  return decision;
}
