// Granular markings (STIX 2.1 §7.2.3, §7.2.3.1): each entry of `granular_markings` has a
// non-empty `selectors` list and exactly one of `marking_ref` / `lang`; every selector
// follows the selector syntax and selects content that is actually present in the object.
//
// Selector syntax (§7.2.3.1): components separated by `.`, each either a property name /
// dictionary key (`description`, `hashes`, `SHA-256`) or a zero-based list index in square
// brackets (`[4]`): `description`, `external_references.[0].source_name`, `labels.[0]`.
// The specification forbids no property (not even `id` or `type`): the only constraints are
// the syntax and that the selected content exists (lists indexed within bounds, no index
// into a non-list, no name into a list or a scalar).
// That `marking_ref` points to a marking definition is checked by the reference rules.
import { isPlainObject } from './spec-properties';
import type { Reporter, RuleContext, StixObject, StixRule } from './rule';
import { quote } from './reference-types';

const SOURCE_MARKING = 'STIX 2.1 §7.2.3';
const SOURCE_SELECTOR = 'STIX 2.1 §7.2.3.1';

const INDEX = /^\[(\d+)\]$/;
const BRACKET = /[[\]]/;


const hasOwn = Object.prototype.hasOwnProperty;

/** Why `selector` does not select present content of `root`, or undefined when it does. */
export function selectorProblem(root: Readonly<Record<string, unknown>>, selector: string): string | undefined {
  const shown = quote(selector);
  if (selector.length === 0) return 'must not be empty: a selector is a property path such as description or labels.[0]';
  const components = selector.split('.');
  let current: unknown = root;
  let walked = '';
  for (const component of components) {
    if (component.length === 0) {
      return `is not a valid selector: ${shown} has an empty component (components are separated by a single '.')`;
    }
    const index = INDEX.exec(component);
    if (index !== null) {
      const at = Number(index[1]);
      if (!Array.isArray(current)) {
        return walked === ''
          ? `is not a valid selector: ${shown} starts with a list index, but the object is not a list`
          : `selects ${shown}, but ${walked} is not a list`;
      }
      if (at >= current.length) {
        const n = current.length;
        return `selects ${shown}, but ${walked} has only ${n} item${n === 1 ? '' : 's'} (indexes 0 to ${n - 1})`;
      }
      current = current[at];
    } else {
      if (BRACKET.test(component)) {
        return `is not a valid selector: ${shown} has the component ${quote(component)}; a list index is a non-negative integer in square brackets, e.g. [0]`;
      }
      if (Array.isArray(current)) return `selects ${shown}, but ${walked} is a list; select its items with ${walked}.[N]`;
      if (!isPlainObject(current)) return `selects ${shown}, but ${walked} is not an object`;
      if (!hasOwn.call(current, component)) {
        return walked === ''
          ? `selects ${shown}, but the object has no property ${component}`
          : `selects ${shown}, but ${walked} has no property ${component}`;
      }
      current = current[component];
    }
    walked = walked === '' ? component : `${walked}.${component}`;
  }
  return undefined;
}

export const granularMarkingsRule: StixRule = {
  name: 'granular-markings',
  tier: 'full',
  check(obj: StixObject, _ctx: RuleContext, report: Reporter): void {
    const markings = obj.granular_markings;
    if (markings === undefined) return;
    if (!Array.isArray(markings)) {
      report.error('/granular_markings', `must be a list of granular markings, not ${quote(markings)}`, SOURCE_MARKING);
      return;
    }
    if (markings.length === 0) {
      report.error('/granular_markings', 'must not be an empty list; omit the property instead', 'STIX 2.1 §2.12');
      return;
    }
    for (let i = 0; i < markings.length; i++) {
      const marking: unknown = markings[i];
      const path = `/granular_markings/${i}`;
      if (!isPlainObject(marking)) {
        report.error(path, `must be a granular marking object (selectors and marking_ref or lang), not ${quote(marking)}`, SOURCE_MARKING);
        continue;
      }
      const hasRef = marking.marking_ref !== undefined;
      const hasLang = marking.lang !== undefined;
      if (hasRef && hasLang) {
        report.error(path, 'must have either marking_ref or lang, not both', SOURCE_MARKING);
      } else if (!hasRef && !hasLang) {
        report.error(path, 'must have marking_ref (a data marking) or lang (a language marking)', SOURCE_MARKING);
      }
      if (hasLang && typeof marking.lang !== 'string') {
        report.error(`${path}/lang`, `must be an RFC 5646 language code, not ${quote(marking.lang)}`, SOURCE_SELECTOR);
      }
      const selectors = marking.selectors;
      if (selectors === undefined) {
        report.error(path, 'must have selectors (the list of selected properties)', SOURCE_SELECTOR);
        continue;
      }
      if (!Array.isArray(selectors)) {
        report.error(`${path}/selectors`, `must be a list of selectors, not ${quote(selectors)}`, SOURCE_SELECTOR);
        continue;
      }
      if (selectors.length === 0) {
        report.error(`${path}/selectors`, 'must list at least one selector', SOURCE_SELECTOR);
        continue;
      }
      for (let j = 0; j < selectors.length; j++) {
        const selector: unknown = selectors[j];
        const at = `${path}/selectors/${j}`;
        if (typeof selector !== 'string') {
          report.error(at, `must be a selector string such as description or labels.[0], not ${quote(selector)}`, SOURCE_SELECTOR);
          continue;
        }
        const problem = selectorProblem(obj, selector);
        if (problem !== undefined) report.error(at, problem, SOURCE_SELECTOR);
      }
    }
  },
};

export const granularMarkingRules: readonly StixRule[] = [granularMarkingsRule];
