// Indicators with pattern_type "stix" carry a STIX Patterning expression (STIX 2.1 §4.7,
// grammar §9); it must parse. Other pattern languages (sigma, snort, yara, …) are opaque.
import { validatePattern } from '../patterning/pattern-parser';
import type { StixRule } from './rule';

export const stixPatternRule: StixRule = {
  name: 'stix-pattern',
  tier: 'full',
  check(obj, _ctx, report) {
    if (obj.type !== 'indicator' || obj.pattern_type !== 'stix' || typeof obj.pattern !== 'string') return;
    const error = validatePattern(obj.pattern);
    if (error !== undefined) report.error('/pattern', `is not a valid STIX pattern: ${error}`, 'STIX 2.1 §9');
  },
};
