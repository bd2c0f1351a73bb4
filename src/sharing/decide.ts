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
//     (ctx.isReleased): allowed with visibleFrom = Number.MAX_SAFE_INTEGER (held until the
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
//
// A part's level is the stricter of its granular level and the object's level; unknown
// markings are ignored (markings.ts). Clause numbers in reasons are 1-based.
import type { MemberRecord } from '../directory/records';
import type { StixObject } from '../stix/rules/rule';
import { currentRecord, matchingAudience } from './audiences';
import { referencedIds } from './references';
import type { Decision, DecisionContext, Reader, Reason, Transform } from './decision';
import { effectiveMarking, granularParts, levelLabel } from './markings';
import { type AudienceClause, type MarkingLevel, type ProviderTerms, levelRank } from '../directory/mou';
import { parseSelector, referencesIdentity, type SelectorPath } from './transforms';

const HOUR_MS = 3_600_000;
const DEFAULT_CLAUSE_MARKINGS: readonly MarkingLevel[] = ['clear', 'green', 'amber', 'amber+strict'];

// ---------------------------------------------------------------------------------------
// Required properties (OASIS STIX 2.1 JSON schemas, schemas/stix/: `required` of each type)

const ALWAYS_REQUIRED: ReadonlySet<string> = new Set(['id', 'type', 'spec_version', 'created', 'modified']);

const REQUIRED: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['attack-pattern', ['name']],
  ['campaign', ['name']],
  ['course-of-action', ['name']],
  ['grouping', ['context', 'object_refs']],
  ['identity', ['name']],
  ['incident', ['name']],
  ['indicator', ['pattern', 'pattern_type', 'valid_from']],
  ['infrastructure', ['name']],
  ['intrusion-set', ['name']],
  ['malware-analysis', ['product']],
  ['malware', ['is_family']],
  ['note', ['content', 'object_refs']],
  ['observed-data', ['first_observed', 'last_observed', 'number_observed']],
  ['opinion', ['object_refs', 'opinion']],
  ['report', ['name', 'object_refs', 'published']],
  ['threat-actor', ['name']],
  ['tool', ['name']],
  ['vulnerability', ['name']],
  ['relationship', ['relationship_type', 'source_ref', 'target_ref']],
  ['sighting', ['sighting_of_ref']],
  ['autonomous-system', ['number']],
  ['directory', ['path']],
  ['domain-name', ['value']],
  ['email-addr', ['value']],
  ['ipv4-addr', ['value']],
  ['ipv6-addr', ['value']],
  ['mac-addr', ['value']],
  ['mutex', ['name']],
  ['network-traffic', ['protocols']],
  ['software', ['name']],
  ['url', ['value']],
  ['language-content', ['object_ref', 'contents']],
  ['marking-definition', ['definition_type', 'definition', 'name']],
  ['extension-definition', ['name', 'schema', 'version', 'extension_types']],
]);

/** Schema `anyOf`/`oneOf` groups: at least one of these must remain. */
const AT_LEAST_ONE: ReadonlyMap<string, ReadonlyArray<readonly string[]>> = new Map([
  ['observed-data', [['objects', 'object_refs']]],
  ['malware-analysis', [['result', 'analysis_sco_refs']]],
  ['file', [['hashes', 'name']]],
  ['network-traffic', [['src_ref', 'dst_ref']]],
]);

/** Required properties of the items of common lists (external-reference, kill-chain-phase). */
const REQUIRED_IN_ITEMS: ReadonlyMap<string, readonly string[]> = new Map([
  ['external_references', ['source_name']],
  ['kill_chain_phases', ['kill_chain_name', 'phase_name']],
  ['granular_markings', ['selectors']],
]);

function isRequired(object: StixObject, property: string): boolean {
  if (ALWAYS_REQUIRED.has(property)) return true;
  const type = object.type as string;
  if (REQUIRED.get(type)?.includes(property)) return true;
  return type === 'malware' && property === 'name' && object.is_family === true;
}

/** Why removing these parts would leave an invalid object (a required part), or undefined. */
export function requiredPartProblem(object: StixObject, paths: readonly SelectorPath[]): string | undefined {
  const removedTop = new Set<string>();
  const removedItems = new Map<string, Set<number>>();
  for (const path of paths) {
    const root = path[0];
    if (typeof root !== 'string') continue;
    if (path.length === 1) {
      if (isRequired(object, root)) return `${root} is required for ${String(object.type)}`;
      removedTop.add(root);
      continue;
    }
    const second = path[1];
    if (path.length === 2 && typeof second === 'number') {
      let set = removedItems.get(root);
      if (set === undefined) removedItems.set(root, (set = new Set()));
      set.add(second);
      continue;
    }
    if (path.length === 3 && typeof second === 'number' && typeof path[2] === 'string') {
      if (REQUIRED_IN_ITEMS.get(root)?.includes(path[2])) return `${path[2]} is required in each entry of ${root}`;
    }
  }
  for (const [root, indexes] of removedItems) {
    const list = object[root];
    if (Array.isArray(list) && isRequired(object, root) && indexes.size >= list.length) {
      return `${root} is required for ${String(object.type)} and would be left empty`;
    }
    if (Array.isArray(list) && indexes.size >= list.length) removedTop.add(root);
  }
  for (const group of AT_LEAST_ONE.get(object.type as string) ?? []) {
    const present = group.filter((p) => object[p] !== undefined);
    if (present.length > 0 && present.every((p) => removedTop.has(p))) {
      return `${String(object.type)} requires one of ${group.join(', ')}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Strip rules, compiled once per provider terms object

const PROTECTED_FROM_STRIP: ReadonlySet<string> = new Set([
  'id', 'type', 'spec_version', 'created', 'modified', 'object_marking_refs', 'granular_markings',
]);
const MAX_PATTERN_LENGTH = 200;
/** A quantified group containing a quantifier, e.g. `(a+)+`, `(a|aa)*`: the usual ReDoS shapes. */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*}]|\|)(?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d)/;

interface UrlPattern {
  source: string;
  regex?: RegExp;
  /** Why the pattern was refused; a refused pattern matches every URL (fail closed). */
  refused?: string;
}

interface CompiledStrip {
  strip: readonly string[];
  urls: readonly string[];
  glob?: RegExp;
  patterns: UrlPattern[];
}

const compiledCache = new WeakMap<ProviderTerms, CompiledStrip>();

function globToRegExp(globs: readonly string[]): RegExp | undefined {
  if (globs.length === 0) return undefined;
  const alternatives = globs.map((g) => g.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

function compileUrlPattern(source: string): UrlPattern {
  if (source.length > MAX_PATTERN_LENGTH) return { source, refused: `longer than ${MAX_PATTERN_LENGTH} characters` };
  if (NESTED_QUANTIFIER.test(source)) return { source, refused: 'nested quantifiers (catastrophic backtracking)' };
  try {
    return { source, regex: new RegExp(source) };
  } catch {
    return { source, refused: 'not a valid regular expression' };
  }
}

function compiledStrip(terms: ProviderTerms): CompiledStrip {
  const cached = compiledCache.get(terms);
  if (cached !== undefined && cached.strip === terms.strip && cached.urls === terms.stripReferenceUrls) return cached;
  const out: CompiledStrip = {
    strip: terms.strip,
    urls: terms.stripReferenceUrls,
    glob: globToRegExp(terms.strip),
    patterns: terms.stripReferenceUrls.map(compileUrlPattern),
  };
  compiledCache.set(terms, out);
  return out;
}

// ---------------------------------------------------------------------------------------
// Marking table and provider audiences

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

/** The marking table and the provider's audience clauses, for one level. */
function providerAllows(
  reader: MemberRecord,
  provider: MemberRecord,
  terms: ProviderTerms,
  level: MarkingLevel,
  type: string,
): Verdict {
  const label = levelLabel(level);
  const from = `${label} ${type} from ${provider.id}`;
  const clauses = terms.audiences;
  // Markings no clause covers follow the hub's marking table, as if there were no clauses.
  if (!clauses.some((c) => clauseCovers(c, level, type))) {
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
  const excluded: string[] = [];
  for (let i = 0; i < clauses.length; i++) {
    const clause = clauses[i];
    if (!clauseCovers(clause, level, type)) continue;
    covering.push(clauseLabel(i, clause));
    let match: string | undefined;
    if (level === 'red') {
      const named = `member:${reader.id}`;
      match = clause.to.includes(named) ? named : undefined;
    } else {
      match = matchingAudience(reader, clause.to);
    }
    if (match === undefined) continue;
    const except = clause.except === undefined ? undefined : matchingAudience(reader, clause.except);
    if (except !== undefined) {
      excluded.push(`clause ${i + 1} by ${except}`);
      continue;
    }
    const how = match === 'everyone' ? 'everyone' : match.startsWith('group:') ? `in ${match}` : `named (${match})`;
    return { ok: true, reason: { rule: 'audience', text: `${from} goes to ${clauseLabel(i, clause)}; ${reader.id} is ${how}` } };
  }
  const red = level === 'red' ? ' named one by one' : '';
  const ex = excluded.length > 0 ? `; ${reader.id} is excluded from ${excluded.join(', ')}` : '';
  return {
    ok: false,
    reason: { rule: 'audience', text: `${from} goes only to ${covering.join(', ')}; ${reader.id} is not${red} in them${ex}` },
  };
}

function ceilingAllows(readerId: string, ceiling: MarkingLevel, level: MarkingLevel): Verdict {
  const ok = levelRank(level) <= levelRank(ceiling);
  return {
    ok,
    reason: {
      rule: 'recipient-ceiling',
      text: ok
        ? `${levelLabel(level)} is within ${readerId}'s ceiling ${levelLabel(ceiling)}`
        : `${levelLabel(level)} is above ${readerId}'s ceiling ${levelLabel(ceiling)}`,
    },
  };
}

function deny(reasons: Reason[], marking: MarkingLevel, reason: Reason, waitingFor?: string[]): Decision {
  reasons.push(reason);
  const d: Decision = { allow: false, transforms: [], reasons, marking };
  if (waitingFor !== undefined) d.waitingFor = waitingFor;
  return d;
}


// ---------------------------------------------------------------------------------------

export function decide(reader: Reader, object: StixObject, ctx: DecisionContext): Decision {
  const provider = ctx.provider;
  const terms = ctx.providerMou.provide;
  const effective = effectiveMarking(object, ctx, terms.defaultMarking);
  const level = effective.level;
  const reasons: Reason[] = [];
  if (reader.member.id === provider.id) {
    reasons.push({ rule: 'own', text: `${reader.member.id} published this object` });
    return { allow: true, transforms: [], reasons, marking: level };
  }
  const type = typeof object.type === 'string' ? object.type : '';
  const member = currentRecord(reader.member, ctx.members);
  const receive = reader.mou.receive;
  if (effective.iep.length > 0) {
    const pa = effective.providerAttribution ? ` (provider_attribution ${effective.providerAttribution})` : '';
    reasons.push({ rule: 'iep', text: `IEP 2.0 marking ${effective.iep.join(', ')}${pa}` });
  }

  // 2. marking table and provider audiences
  const dist = providerAllows(member, provider, terms, level, type);
  if (!dist.ok) return deny(reasons, level, dist.reason);
  reasons.push(dist.reason);

  // 3. recipient side
  if (receive.types !== undefined) {
    if (!receive.types.includes(type)) {
      return deny(reasons, level, { rule: 'recipient-types', text: `${member.id} receives only ${receive.types.join(', ')}, not ${type}` });
    }
    reasons.push({ rule: 'recipient-types', text: `${member.id} receives ${type}` });
  }
  const ceiling = ceilingAllows(member.id, receive.markingCeiling, level);
  if (!ceiling.ok) return deny(reasons, level, ceiling.reason);
  if (receive.markingCeiling !== 'red') reasons.push(ceiling.reason);
  if (receive.sources !== undefined) {
    const source = matchingAudience(currentRecord(provider, ctx.members), receive.sources);
    if (source === undefined) {
      return deny(reasons, level, {
        rule: 'recipient-sources',
        text: `${member.id} receives only from ${receive.sources.join(', ')}; ${provider.id} is not one of them`,
      });
    }
    reasons.push({ rule: 'recipient-sources', text: `${member.id} receives from ${source}, which includes ${provider.id}` });
  }

  // 4. attribution the provider applies
  let attribution = terms.attribution;
  if (effective.providerAttribution === 'must-not' && attribution === 'keep') attribution = 'pseudonymise';
  else if (effective.providerAttribution === 'must' && attribution !== 'keep') attribution = 'keep';
  const identityRef = provider.identityRef;
  let attributionTransform: Transform | undefined;
  let attributionReason: Reason | undefined;
  if (attribution === 'pseudonymise' && identityRef !== undefined && (object.id === identityRef || referencesIdentity(object, identityRef))) {
    const pseudonym = ctx.pseudonymOf(provider.id);
    const why = terms.attribution === 'pseudonymise' ? `${provider.id}'s agreement` : 'IEP provider_attribution must-not';
    if (!receive.acceptPseudonymised) {
      return deny(reasons, level, { rule: 'attribution', text: `${provider.id} is pseudonymised (${why}) and ${member.id} does not accept pseudonymised objects` });
    }
    attributionTransform = { kind: 'pseudonymise', identityRef, pseudonym };
    attributionReason = { rule: 'attribution', text: `${provider.id} is pseudonymised as ${pseudonym} (${why})` };
  } else if (attribution === 'hub' && typeof object.created_by_ref === 'string' && (identityRef === undefined || object.created_by_ref === identityRef)) {
    attributionTransform = { kind: 'attribute-to-hub', identityRef, hubIdentity: ctx.hubIdentity };
    attributionReason = { rule: 'attribution', text: `${provider.id} publishes as the hub (${ctx.hubIdentity})` };
  } else if (effective.providerAttribution === 'must' && terms.attribution !== 'keep') {
    attributionReason = { rule: 'attribution', text: `IEP provider_attribution must: ${provider.id} stays attributed` };
  }

  // 5. embargo
  let visibleFrom: number | undefined;
  const objectId = typeof object.id === 'string' ? object.id : '';
  if (terms.embargoUntilReleased && ctx.isReleased?.(objectId) !== true) {
    visibleFrom = Number.MAX_SAFE_INTEGER;
    reasons.push({ rule: 'embargo', text: `${provider.id} embargoes its objects until released: held until ${provider.id} releases it` });
  } else if (terms.embargoHours > 0) {
    visibleFrom = ctx.publishedAt + terms.embargoHours * HOUR_MS;
    reasons.push({ rule: 'embargo', text: `${provider.id} embargoes for ${terms.embargoHours} h: visible from ${new Date(visibleFrom).toISOString()}${terms.embargoUntilReleased ? ` (released by ${provider.id})` : ''}` });
  }

  // 6. relationship closure
  if (receive.relationshipClosed) {
    const refs = referencedIds(object);
    if (refs.length > 0) {
      const hidden = refs.filter((id) => ctx.isVisibleToReader(id) !== true);
      if (hidden.length > 0) {
        const waiting = [...new Set(hidden)];
        return deny(
          reasons,
          level,
          { rule: 'closure', text: `${type} references ${waiting.join(', ')}, not visible to ${member.id} (yet)` },
          waiting,
        );
      }
      reasons.push({ rule: 'closure', text: `every object the ${type} references is visible to ${member.id}` });
    }
  }

  const transforms: Transform[] = [];

  // 7. granular markings
  const parts = granularParts(object, ctx);
  if (parts.length > 0) {
    const objectRank = levelRank(level);
    const memo = new Map<MarkingLevel, Verdict>();
    const redacted: string[] = [];
    const redactedPaths: SelectorPath[] = [];
    const why: string[] = [];
    for (const part of parts) {
      if (levelRank(part.level) <= objectRank) continue;
      let v = memo.get(part.level);
      if (v === undefined) {
        v = providerAllows(member, provider, terms, part.level, type);
        if (v.ok) v = ceilingAllows(member.id, receive.markingCeiling, part.level);
        memo.set(part.level, v);
      }
      if (v.ok) continue;
      redacted.push(part.selector);
      const path = parseSelector(part.selector);
      if (path !== undefined) redactedPaths.push(path);
      why.push(`${part.selector} (${levelLabel(part.level)})`);
    }
    if (redacted.length > 0) {
      const problem = requiredPartProblem(object, redactedPaths);
      if (problem !== undefined) {
        return deny(reasons, level, { rule: 'granular', text: `${member.id} may not see ${why.join(', ')}, and ${problem}: withheld` });
      }
      transforms.push({ kind: 'redact-granular', selectors: redacted });
      reasons.push({ rule: 'granular', text: `${member.id} may not see ${why.join(', ')}: redacted` });
    }
  }

  // 8. attribution
  if (attributionTransform !== undefined) transforms.push(attributionTransform);
  if (attributionReason !== undefined) reasons.push(attributionReason);

  // 9. strip rules
  if (terms.strip.length > 0 || terms.stripReferenceUrls.length > 0) {
    const compiled = compiledStrip(terms);
    if (compiled.glob !== undefined) {
      const names: string[] = [];
      for (const key in object) if (!PROTECTED_FROM_STRIP.has(key) && compiled.glob.test(key)) names.push(key);
      if (names.length > 0) {
        const problem = requiredPartProblem(
          object,
          names.map((n) => [n]),
        );
        if (problem !== undefined) {
          return deny(reasons, level, { rule: 'strip', text: `${provider.id} strips ${names.join(', ')}, but ${problem}: withheld` });
        }
        transforms.push({ kind: 'strip-properties', properties: names });
        reasons.push({ rule: 'strip', text: `${provider.id} strips ${names.join(', ')} (${terms.strip.join(', ')})` });
      }
    }
    const refs = object.external_references;
    if (compiled.patterns.length > 0 && Array.isArray(refs)) {
      const indexes: number[] = [];
      const refused = new Set<string>();
      refs.forEach((ref: unknown, i: number) => {
        if (typeof ref !== 'object' || ref === null) return;
        const url = (ref as Record<string, unknown>).url;
        if (typeof url !== 'string') return;
        for (const p of compiled.patterns) {
          if (p.refused !== undefined) refused.add(`${JSON.stringify(p.source.slice(0, 40))}: ${p.refused}`);
          if (p.refused !== undefined || p.regex?.test(url) === true) {
            indexes.push(i);
            return;
          }
        }
      });
      if (indexes.length > 0) {
        transforms.push({ kind: 'strip-references', indexes });
        const r = refused.size > 0 ? `; refused pattern(s) ${[...refused].join(', ')} match every url` : '';
        reasons.push({ rule: 'strip', text: `${provider.id} strips external_references ${indexes.map((i) => `[${i}]`).join(', ')} by url${r}` });
      }
    }
  }

  const decision: Decision = { allow: true, transforms, reasons, marking: level };
  if (visibleFrom !== undefined) decision.visibleFrom = visibleFrom;
  return decision;
}
