// The provider's strip rules (decide.ts rule 9): `provide.strip` globs over top-level
// property names and `provide.stripReferenceUrls` regexes over external_references urls.
// Both are compiled once per list of rules (the directory keeps the same lists until an
// agreement changes), not once per decision.
import type { DecisionDraft, Refusal } from './decision-draft';
import { requiredPartProblem } from './required-properties';

/** What makes the object a STIX object and says how it is marked: never stripped. */
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

const globsByRules = new WeakMap<readonly string[], RegExp>();
const urlPatternsByRules = new WeakMap<readonly string[], UrlPattern[]>();

function globsToRegExp(globs: readonly string[]): RegExp {
  const alternatives = globs.map((glob) => glob.split('*').map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
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

function compiledGlobs(globs: readonly string[]): RegExp {
  let regex = globsByRules.get(globs);
  if (regex === undefined) globsByRules.set(globs, (regex = globsToRegExp(globs)));
  return regex;
}

function compiledUrlPatterns(sources: readonly string[]): UrlPattern[] {
  let patterns = urlPatternsByRules.get(sources);
  if (patterns === undefined) urlPatternsByRules.set(sources, (patterns = sources.map(compileUrlPattern)));
  return patterns;
}

/** Rule 9, `provide.strip`: stripping a property the type requires withholds the object. */
export function propertyStrip(draft: DecisionDraft): Refusal | undefined {
  const globs = draft.provide.strip;
  if (globs.length === 0) return undefined;
  const glob = compiledGlobs(globs);
  const { object, provider } = draft;
  const names: string[] = [];
  for (const key in object) if (!PROTECTED_FROM_STRIP.has(key) && glob.test(key)) names.push(key);
  if (names.length === 0) return undefined;
  const problem = requiredPartProblem(
    object,
    names.map((name) => [name]),
  );
  if (problem !== undefined) {
    return { rule: 'strip', text: `${provider.id} strips ${names.join(', ')}, but ${problem}: withheld` };
  }
  draft.transforms.push({ kind: 'strip-properties', properties: names });
  draft.reasons.push({ rule: 'strip', text: `${provider.id} strips ${names.join(', ')} (${globs.join(', ')})` });
  return undefined;
}

/** Rule 9, `provide.stripReferenceUrls`: never refuses (external_references is never required). */
export function referenceUrlStrip(draft: DecisionDraft): undefined {
  const sources = draft.provide.stripReferenceUrls;
  const references = draft.object.external_references;
  if (sources.length === 0 || !Array.isArray(references)) return undefined;
  const patterns = compiledUrlPatterns(sources);
  const indexes: number[] = [];
  const refusedPatterns = new Set<string>();
  for (let index = 0; index < references.length; index++) {
    const reference: unknown = references[index];
    if (typeof reference !== 'object' || reference === null) continue;
    const url = (reference as Record<string, unknown>).url;
    if (typeof url !== 'string') continue;
    for (const pattern of patterns) {
      if (pattern.refused !== undefined) refusedPatterns.add(`${JSON.stringify(pattern.source.slice(0, 40))}: ${pattern.refused}`);
      if (pattern.refused !== undefined || pattern.regex?.test(url) === true) {
        indexes.push(index);
        break;
      }
    }
  }
  if (indexes.length === 0) return undefined;
  draft.transforms.push({ kind: 'strip-references', indexes });
  const refusals = refusedPatterns.size > 0 ? `; refused pattern(s) ${[...refusedPatterns].join(', ')} match every url` : '';
  draft.reasons.push({ rule: 'strip', text: `${draft.provider.id} strips external_references ${indexes.map((index) => `[${index}]`).join(', ')} by url${refusals}` });
  return undefined;
}
