// Concord's verdicts for the cross-validation suite (test/interop/test_cross_validation.py):
// reads a JSON file {objects: [{key, object}], patterns: [{key, pattern}]} and prints, as
// JSON on stdout, what Concord's gatekeeper says of each — through the same steps as a POST
// (the storable-object checks, then StixValidator under a collection's policy) and, for
// patterns, the STIX pattern parser alone.
//
//   npx ts-node --transpile-only test/interop/concord-verdicts.ts CORPUS.json [--policy standard]
import fs from 'node:fs';
import type { ValidationPolicy } from '../../src/directory/records';
import { validatePattern } from '../../src/stix/patterning/pattern-parser';
import type { StixObject } from '../../src/stix/rules/rule';
import { isFailure, toStorable } from '../../src/taxii/storable-object';
import { StixValidator } from '../../src/stix/stix-validator';
import { formatIssue } from '../../src/stix/validation-issue';

interface Input {
  objects?: Array<{ key: string; object: unknown }>;
  patterns?: Array<{ key: string; pattern: string }>;
}

interface ObjectVerdict {
  accepted: boolean;
  errors: string[];
  warnings: string[];
}

function main(argv: string[]): void {
  const file = argv[0];
  if (!file) throw new Error('usage: concord-verdicts.ts CORPUS.json [--policy strict|standard|permissive]');
  const policyAt = argv.indexOf('--policy');
  const policy = (policyAt >= 0 ? argv[policyAt + 1] : 'standard') as ValidationPolicy;
  const input = JSON.parse(fs.readFileSync(file, 'utf8')) as Input;
  const validator = StixValidator.load();
  const objects: Record<string, ObjectVerdict> = {};
  (input.objects ?? []).forEach(({ key, object }, index) => {
    const storable = toStorable(object, index);
    if (isFailure(storable)) {
      objects[key] = { accepted: false, errors: [storable.message], warnings: [] };
      return;
    }
    const verdict = validator.validate(object as StixObject, { policy, allowCustom: true });
    objects[key] = {
      accepted: verdict.accepted,
      errors: verdict.errors.map((i) => formatIssue(storable.id, i)),
      warnings: verdict.warnings.map((i) => formatIssue(storable.id, i)),
    };
  });
  const patterns: Record<string, string | null> = {};
  for (const { key, pattern } of input.patterns ?? []) patterns[key] = validatePattern(pattern) ?? null;
  process.stdout.write(`${JSON.stringify({ objects, patterns })}\n`);
}

main(process.argv.slice(2));
