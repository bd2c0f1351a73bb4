// Traffic Light Protocol marking definitions. TLP 1.0: the four standard objects of
// STIX 2.1 §7.2.1.4 ("Other instances of tlp-marking MUST NOT be used or created").
// TLP 2.0: the five objects published with the STIX extension
// extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d (OASIS cti-stix-common-objects,
// extension-definition-specifications/tlp-2.0; ids as in /work/shared/design/MARKINGS.md).
import { versionKey } from '../../vocabulary/time';
import { pointer } from '../validation-issue';
import type { Reporter, StixObject, StixRule } from './rule';
import { isPlainObject } from './spec-properties';

export type TlpVersion = '1.0' | '2.0';
export type TlpLevel = 'white' | 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';

export interface TlpMarking {
  readonly version: TlpVersion;
  readonly level: TlpLevel;
}

export const TLP_2_0_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

const TLP_1_0_SOURCE = 'STIX 2.1 §7.2.1.4';
const TLP_2_0_SOURCE = 'TLP 2.0 marking definitions (OASIS cti-stix-common-objects, extension-definition--60a3c5c5)';

interface StandardMarking extends TlpMarking {
  readonly id: string;
  /** The properties that make up the standard definition (compared one by one). */
  readonly content: Readonly<Record<string, unknown>>;
  /** Properties the standard definition does not have and a copy must not add. */
  readonly absent: readonly string[];
  readonly source: string;
}

function tlp1(id: string, level: TlpLevel): StandardMarking {
  return {
    id,
    version: '1.0',
    level,
    content: {
      spec_version: '2.1',
      created: '2017-01-20T00:00:00.000Z',
      definition_type: 'tlp',
      name: `TLP:${level.toUpperCase()}`,
      definition: { tlp: level },
    },
    absent: ['extensions'],
    source: TLP_1_0_SOURCE,
  };
}

function tlp2(id: string, level: TlpLevel): StandardMarking {
  return {
    id,
    version: '2.0',
    level,
    content: {
      spec_version: '2.1',
      created: '2022-10-01T00:00:00.000Z',
      name: `TLP:${level.toUpperCase()}`,
      extensions: { [TLP_2_0_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: level } },
    },
    absent: ['definition_type', 'definition'],
    source: TLP_2_0_SOURCE,
  };
}

const STANDARD_MARKINGS: ReadonlyMap<string, StandardMarking> = new Map(
  [
    tlp1('marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9', 'white'),
    tlp1('marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da', 'green'),
    tlp1('marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', 'amber'),
    tlp1('marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed', 'red'),
    tlp2('marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487', 'clear'),
    tlp2('marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'green'),
    tlp2('marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'amber'),
    tlp2('marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003', 'amber+strict'),
    tlp2('marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1', 'red'),
  ].map((m) => [m.id, m]),
);

/** The standard TLP marking definitions by id: TLP 1.0 (STIX 2.1 §7.2.1.4) and TLP 2.0. */
export const TLP_MARKINGS: ReadonlyMap<string, TlpMarking> = new Map(
  [...STANDARD_MARKINGS.values()].map((m) => [m.id, Object.freeze({ version: m.version, level: m.level })]),
);

/** The full standard object for a TLP id (a copy), e.g. to serve or to seed a collection. */
export function standardTlpObject(id: string): Record<string, unknown> | undefined {
  const marking = STANDARD_MARKINGS.get(id);
  if (marking === undefined) return undefined;
  return JSON.parse(JSON.stringify({ type: 'marking-definition', id, ...marking.content })) as Record<string, unknown>;
}

/** Structural equality of JSON values (the compared values are a few properties deep). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && jsonEqual(ra[k], rb[k]));
}

function sameProperty(property: string, actual: unknown, expected: unknown): boolean {
  if (property === 'created' && typeof actual === 'string' && typeof expected === 'string') {
    // The same instant written with more fractional digits is the same timestamp.
    const key = versionKey(actual);
    return key !== undefined && key === versionKey(expected);
  }
  return jsonEqual(actual, expected);
}

function compareWithStandard(obj: StixObject, marking: StandardMarking, report: Reporter): void {
  const label = `TLP ${marking.version} ${String(marking.content.name)}`;
  for (const property in marking.content) {
    const expected = marking.content[property];
    if (!sameProperty(property, obj[property], expected)) {
      report.error(pointer(property), `must be ${JSON.stringify(expected)} as in the standard ${label} marking definition`, marking.source);
    }
  }
  for (const property of marking.absent) {
    if (obj[property] !== undefined) {
      report.error(pointer(property), `must not be present: the standard ${label} marking definition has no ${property}`, marking.source);
    }
  }
}

/** A marking definition with a standard TLP id must be exactly the standard object. */
export const tlpStandardMarkingRule: StixRule = {
  name: 'tlp-standard-marking',
  tier: 'identity',
  check(obj, _ctx, report) {
    if (obj.type !== 'marking-definition' || typeof obj.id !== 'string') return;
    const marking = STANDARD_MARKINGS.get(obj.id);
    if (marking !== undefined) compareWithStandard(obj, marking, report);
  },
};

/** No TLP marking definitions other than the standard ones. */
export const tlpOtherInstancesRule: StixRule = {
  name: 'tlp-no-other-instances',
  tier: 'identity',
  check(obj, _ctx, report) {
    if (obj.type !== 'marking-definition' || typeof obj.id !== 'string' || STANDARD_MARKINGS.has(obj.id)) return;
    if (obj.definition_type === 'tlp') {
      report.error(
        '/id',
        'is not one of the four standard TLP 1.0 marking definitions: other instances of TLP markings must not be created',
        TLP_1_0_SOURCE,
      );
    }
    if (isPlainObject(obj.extensions) && obj.extensions[TLP_2_0_EXTENSION_ID] !== undefined) {
      report.error(
        '/id',
        'is not one of the five standard TLP 2.0 marking definitions, the only ones the TLP 2.0 extension may mark',
        TLP_2_0_SOURCE,
      );
    }
  },
};

export const TLP_RULES: readonly StixRule[] = [tlpStandardMarkingRule, tlpOtherInstancesRule];
