// Attribution (decide.ts rules 4 and 8): how the provider appears to the reader. The
// agreement's `provide.attribution` decides, unless the object's IEP 2.0
// provider_attribution overrides it: `must-not` pseudonymises a provider that would keep
// its name, `must` keeps the name of one that would not.
import type { Attribution } from '../directory/mou';
import type { DecisionDraft, Refusal } from './decision-draft';
import { referencesIdentity } from './transforms';

/** How the provider appears to the reader of this object: the agreement, as IEP 2.0 overrides it. */
export function attributionMode(draft: DecisionDraft): Attribution {
  const agreed = draft.provide.attribution;
  const iep = draft.marking.providerAttribution;
  if (iep === 'must-not' && agreed === 'keep') return 'pseudonymise';
  if (iep === 'must' && agreed !== 'keep') return 'keep';
  return agreed;
}

/**
 * Rule 4: decides the attribution transform, and refuses when the provider is
 * pseudonymised and the reader accepts no pseudonymised objects
 * (`receive.acceptPseudonymised: false`). The transform is applied by `attribution`.
 */
export function attributionAcceptance(draft: DecisionDraft): Refusal | undefined {
  const { object, provider, context } = draft;
  const mode = attributionMode(draft);
  const identityRef = provider.identityRef;
  if (mode === 'pseudonymise' && identityRef !== undefined && (object.id === identityRef || referencesIdentity(object, identityRef))) {
    const pseudonym = context.pseudonymOf(provider.id);
    const why = draft.provide.attribution === 'pseudonymise' ? `${provider.id}'s agreement` : 'IEP provider_attribution must-not';
    if (!draft.receive.acceptPseudonymised) {
      return { rule: 'attribution', text: `${provider.id} is pseudonymised (${why}) and ${draft.reader.id} does not accept pseudonymised objects` };
    }
    draft.attributionTransform = { kind: 'pseudonymise', identityRef, pseudonym };
    draft.attributionReason = { rule: 'attribution', text: `${provider.id} is pseudonymised as ${pseudonym} (${why})` };
  } else if (mode === 'hub' && typeof object.created_by_ref === 'string' && (identityRef === undefined || object.created_by_ref === identityRef)) {
    draft.attributionTransform = { kind: 'attribute-to-hub', identityRef, hubIdentity: context.hubIdentity };
    draft.attributionReason = { rule: 'attribution', text: `${provider.id} publishes as the hub (${context.hubIdentity})` };
  } else if (draft.marking.providerAttribution === 'must' && draft.provide.attribution !== 'keep') {
    draft.attributionReason = { rule: 'attribution', text: `IEP provider_attribution must: ${provider.id} stays attributed` };
  }
  return undefined;
}

/** Rule 8: the attribution decided by rule 4, after redaction. */
export function attribution(draft: DecisionDraft): undefined {
  if (draft.attributionTransform !== undefined) draft.transforms.push(draft.attributionTransform);
  if (draft.attributionReason !== undefined) draft.reasons.push(draft.attributionReason);
  return undefined;
}
