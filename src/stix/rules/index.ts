// Every STIX 2.1 rule beyond the JSON schemas, in the order they run. Identity-tier
// rules (identifiers, spec_version, version timestamps, TLP) and schema-tier rules (the
// checks schema-patches.ts takes out of the schemas: property names and values, reference
// syntax) run under every policy; the rest under standard and strict.
import type { StixRule } from './rule';
import { IDENTIFIER_RULES } from './identifier-rules';
import { TIMESTAMP_RULES } from './timestamp-rules';
import { TLP_RULES } from './tlp-rules';
import { PROPERTY_RULES } from './property-rules';
import { EXTENSION_RULES } from './extension-rules';
import { referenceRules } from './reference-rules';
import { granularMarkingRules } from './granular-marking-rules';
import { vocabularyRules } from './vocabulary-rules';
import { stixPatternRule } from './pattern-rules';

export const ALL_RULES: readonly StixRule[] = [
  ...IDENTIFIER_RULES,
  ...TIMESTAMP_RULES,
  ...TLP_RULES,
  ...PROPERTY_RULES,
  ...EXTENSION_RULES,
  ...referenceRules,
  ...granularMarkingRules,
  ...vocabularyRules,
  stixPatternRule,
];
