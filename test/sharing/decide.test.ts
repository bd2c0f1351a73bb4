import { decide } from '../../src/sharing/decide';
import type { Decision, DecisionContext, Reader } from '../../src/sharing/decision';
import { IEP_2_0_EXTENSION_ID } from '../../src/sharing/markings';
import {
  type AudienceClause,
  type MarkingLevel,
  type Mou,
  type ProviderTerms,
  type RecipientTerms,
  defaultMou,
} from '../../src/directory/mou';
import type { MemberRecord } from '../../src/directory/records';

// ---- fixtures -------------------------------------------------------------------------

const TLP2: Record<MarkingLevel, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};
const TLP1 = {
  white: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  green: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  amber: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  red: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
};
const IEP_RED_MUST_NOT = 'marking-definition--11111111-1111-4111-8111-111111111111';
const IEP_AMBER = 'marking-definition--22222222-2222-4222-8222-222222222222';
const IEP_MUST = 'marking-definition--33333333-3333-4333-8333-333333333333';
const UNKNOWN_MARKING = 'marking-definition--44444444-4444-4444-8444-444444444444';
const PSEUDONYM = 'identity--abcdef01-2345-4678-9abc-def012345678';
const HUB = 'identity--00000000-0000-4000-8000-00000000beef';

function iep(id: string, props: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id,
    created: '2024-01-01T00:00:00.000Z',
    name: `iep ${id.slice(-4)}`,
    extensions: { [IEP_2_0_EXTENSION_ID]: { extension_type: 'property-extension', ...props } },
  };
}
const HELD = new Map<string, Record<string, unknown>>([
  [IEP_RED_MUST_NOT, iep(IEP_RED_MUST_NOT, { tlp: 'red', provider_attribution: 'must-not' })],
  [IEP_AMBER, iep(IEP_AMBER, { tlp: 'amber' })],
  [IEP_MUST, iep(IEP_MUST, { provider_attribution: 'must' })],
]);

function member(id: string, groups: string[] = []): MemberRecord {
  return { id, name: id, groups, status: 'active', identityRef: `identity--${id.padEnd(8, '0').slice(0, 8).replace(/[^0-9a-f]/g, 'a')}-0000-4000-8000-000000000000` };
}
const ohio = member('ohio', ['states']);
const indiana = member('indiana', ['states']);
const isac = member('isac', ['partners']);
const suspended: MemberRecord = { ...member('kentucky', ['states']), status: 'suspended' };
const MEMBERS = new Map([ohio, indiana, isac, suspended].map((m) => [m.id, m]));

function mou(memberId: string, provide: Partial<ProviderTerms> = {}, receive: Partial<RecipientTerms> = {}): Mou {
  const base = defaultMou(memberId);
  return { memberId, provide: { ...base.provide, ...provide }, receive: { ...base.receive, ...receive } };
}

interface Setup {
  /** Object ids the provider released (embargo until released); absent: no isReleased in the context. */
  released?: string[];
  provide?: Partial<ProviderTerms>;
  receive?: Partial<RecipientTerms>;
  reader?: MemberRecord;
  visible?: Record<string, boolean | undefined>;
}

function run(object: Record<string, unknown>, setup: Setup = {}): Decision {
  const readerMember = setup.reader ?? indiana;
  const reader: Reader = { member: readerMember, mou: mou(readerMember.id, {}, setup.receive) };
  const ctx: DecisionContext = {
    provider: ohio,
    providerMou: mou('ohio', setup.provide),
    publishedAt: Date.UTC(2024, 0, 1),
    members: MEMBERS,
    markingDefinition: (id) => HELD.get(id),
    isVisibleToReader: (id) => setup.visible?.[id],
    pseudonymOf: (m) => (m === 'ohio' ? PSEUDONYM : 'identity--ffffffff-0000-4000-8000-000000000000'),
    hubIdentity: HUB,
    ...(setup.released !== undefined ? { isReleased: (id: string) => setup.released?.includes(id) === true } : {}),
  };
  return decide(reader, object, ctx);
}

function indicator(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    created: '2024-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
    created_by_ref: ohio.identityRef,
    pattern: "[ipv4-addr:value = '198.51.100.1']",
    pattern_type: 'stix',
    valid_from: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}
const marked = (...refs: string[]): Record<string, unknown> => indicator({ object_marking_refs: refs });
const rules = (d: Decision): string[] => d.reasons.map((r) => r.rule);

// ---- marking table --------------------------------------------------------------------

describe('marking table', () => {
  const states: AudienceClause = { to: ['group:states'], markings: ['amber', 'amber+strict'] };
  const named: AudienceClause = { to: ['member:indiana'], markings: ['red'] };
  const groupRed: AudienceClause = { to: ['group:states', 'everyone'], markings: ['red'] };
  const all: AudienceClause = { to: ['everyone'], markings: ['clear', 'green', 'amber', 'amber+strict', 'red'] };
  test.each<[string, MarkingLevel, MemberRecord, AudienceClause[], boolean]>([
    ['clear, no clauses', 'clear', isac, [], true],
    ['green, no clauses', 'green', isac, [], true],
    ['amber, no clauses', 'amber', isac, [], true],
    ['amber+strict, no clauses', 'amber+strict', isac, [], true],
    ['red, no clauses', 'red', indiana, [], false],
    ['amber, reader in group clause', 'amber', indiana, [states], true],
    ['amber, reader outside group clause', 'amber', isac, [states], false],
    ['amber+strict, reader in group clause', 'amber+strict', indiana, [states], true],
    ['amber+strict, reader outside', 'amber+strict', isac, [states], false],
    ['green, clauses cover only amber: the marking table decides', 'green', indiana, [states], true],
    ['red, named one by one', 'red', indiana, [named], true],
    ['red, other member', 'red', isac, [named], false],
    ['red, group and everyone do not count', 'red', indiana, [groupRed], false],
    ['red, everyone clause', 'red', indiana, [all], false],
    ['red, default clause markings exclude red', 'red', indiana, [{ to: ['member:indiana'] }], false],
    ['amber, default clause markings', 'amber', isac, [{ to: ['everyone'] }], true],
    ['suspended reader decided normally', 'amber', suspended, [states], true],
  ])('%s', (_name, level, reader, audiences, allow) => {
    const d = run(marked(TLP2[level]), { reader, provide: { audiences } });
    expect(d.allow).toBe(allow);
    expect(d.marking).toBe(level);
    expect(d.transforms).toEqual([]);
  });

  test.each<[string, string[], MarkingLevel]>([
    ['TLP 1.0 WHITE is CLEAR', [TLP1.white], 'clear'],
    ['TLP 1.0 GREEN', [TLP1.green], 'green'],
    ['TLP 1.0 AMBER', [TLP1.amber], 'amber'],
    ['TLP 1.0 RED', [TLP1.red], 'red'],
    ['most restrictive wins', [TLP2.green, TLP1.amber, TLP2.clear], 'amber'],
    ['amber+strict over amber', [TLP1.amber, TLP2['amber+strict']], 'amber+strict'],
    ['unknown marking ignored', [UNKNOWN_MARKING, TLP2.clear], 'clear'],
    ['only unknown: provider default', [UNKNOWN_MARKING], 'green'],
    ['IEP tlp', [IEP_AMBER], 'amber'],
    ['IEP tlp with TLP', [IEP_AMBER, TLP2.green], 'amber'],
    ['IEP without tlp: default', [IEP_MUST], 'green'],
  ])('effective level: %s', (_name, refs, level) => {
    expect(run(marked(...refs)).marking).toBe(level);
  });

  test('unmarked: the provider default', () => {
    expect(run(indicator(), { provide: { defaultMarking: 'amber', audiences: [{ to: ['group:states'] }] } })).toMatchObject({
      allow: true,
      marking: 'amber',
    });
    expect(run(indicator(), { provide: { defaultMarking: 'red' } })).toMatchObject({ allow: false, marking: 'red' });
  });

  test('the provider always sees its own objects', () => {
    const d = run(marked(TLP2.red), { reader: ohio, provide: { attribution: 'pseudonymise', strip: ['x_*'] } });
    expect(d).toEqual({ allow: true, transforms: [], reasons: [{ rule: 'own', text: 'ohio published this object' }], marking: 'red' });
  });

  test('reason names marking, clause, audience and member', () => {
    const d = run(marked(TLP2.amber), { provide: { audiences: [{ to: ['group:states'] }] } });
    expect(d.reasons).toContainEqual({ rule: 'audience', text: 'TLP:AMBER indicator from ohio goes to clause 1 (group:states); indiana is in group:states' });
    const no = run(marked(TLP2.amber), { reader: isac, provide: { audiences: [{ to: ['group:states'] }] } });
    expect(no.reasons.at(-1)?.text).toBe('TLP:AMBER indicator from ohio goes only to clause 1 (group:states); isac is not in them');
  });
});

// ---- provider clauses -----------------------------------------------------------------

describe('provider audience clauses', () => {
  test.each<[string, AudienceClause[], MemberRecord, Record<string, unknown>, boolean]>([
    ['type covered', [{ to: ['everyone'], types: ['indicator'] }], isac, marked(TLP2.green), true],
    ['type not covered by any clause: the marking table decides', [{ to: ['everyone'], types: ['report'] }], isac, marked(TLP2.green), true],
    ['type covered by a clause that leaves the reader out', [{ to: ['group:states'], types: ['indicator'] }], isac, marked(TLP2.green), false],
    ['second clause covers type', [{ to: ['everyone'], types: ['report'] }, { to: ['member:isac'] }], isac, marked(TLP2.green), true],
    ['marking not covered by any clause: the marking table decides', [{ to: ['everyone'], markings: ['clear'] }], isac, marked(TLP2.green), true],
    ['red not covered by any clause: nobody', [{ to: ['everyone'], markings: ['clear'] }], isac, marked(TLP2.red), false],
    ['except member', [{ to: ['everyone'], except: ['member:isac'] }], isac, marked(TLP2.green), false],
    ['except group', [{ to: ['everyone'], except: ['group:partners'] }], isac, marked(TLP2.green), false],
    ['except others', [{ to: ['everyone'], except: ['member:indiana'] }], isac, marked(TLP2.green), true],
    [
      'excluded by one clause, granted by another',
      [{ to: ['everyone'], except: ['member:isac'] }, { to: ['group:partners'] }],
      isac,
      marked(TLP2.green),
      true,
    ],
    ['red named and excepted', [{ to: ['member:indiana'], markings: ['red'], except: ['group:states'] }], indiana, marked(TLP2.red), false],
    ['unknown audience form matches nobody', [{ to: ['indiana'] }], indiana, marked(TLP2.green), false],
  ])('%s', (_name, audiences, reader, object, allow) => {
    expect(run(object, { reader, provide: { audiences } }).allow).toBe(allow);
  });

  test('exclusion is explained', () => {
    const d = run(marked(TLP2.green), { reader: isac, provide: { audiences: [{ to: ['everyone'], except: ['group:partners'] }] } });
    expect(d.reasons.at(-1)).toEqual({
      rule: 'audience',
      text: 'TLP:GREEN indicator from ohio goes only to clause 1 (everyone); isac is not in them; isac is excluded from clause 1 by group:partners',
    });
  });
});

// ---- recipient side -------------------------------------------------------------------

describe('recipient terms', () => {
  test.each<[string, Partial<RecipientTerms>, Record<string, unknown>, Partial<ProviderTerms>, boolean, string | undefined]>([
    ['types accept', { types: ['indicator'] }, marked(TLP2.green), {}, true, undefined],
    ['types refuse', { types: ['report'] }, marked(TLP2.green), {}, false, 'recipient-types'],
    ['ceiling equal', { markingCeiling: 'amber' }, marked(TLP2.amber), {}, true, undefined],
    ['ceiling above', { markingCeiling: 'green' }, marked(TLP2.amber), {}, false, 'recipient-ceiling'],
    ['ceiling amber refuses amber+strict', { markingCeiling: 'amber' }, marked(TLP2['amber+strict']), {}, false, 'recipient-ceiling'],
    ['sources: group of provider', { sources: ['group:states'] }, marked(TLP2.green), {}, true, undefined],
    ['sources: named provider', { sources: ['member:ohio'] }, marked(TLP2.green), {}, true, undefined],
    ['sources: other provider', { sources: ['member:isac', 'group:partners'] }, marked(TLP2.green), {}, false, 'recipient-sources'],
    ['pseudonymised refused', { acceptPseudonymised: false }, marked(TLP2.green), { attribution: 'pseudonymise' }, false, 'attribution'],
    ['pseudonymised accepted', { acceptPseudonymised: true }, marked(TLP2.green), { attribution: 'pseudonymise' }, true, undefined],
    [
      'not pseudonymising this object (not attributed): accepted',
      { acceptPseudonymised: false },
      marked(TLP2.green, 'x'),
      { attribution: 'pseudonymise' },
      true,
      undefined,
    ],
    ['IEP must-not refused', { acceptPseudonymised: false }, marked(IEP_RED_MUST_NOT), { audiences: [{ to: ['member:indiana'], markings: ['red'] }] }, false, 'attribution'],
  ])('%s', (_name, receive, object, provide, allow, lastRule) => {
    const o = _name.startsWith('not pseudonymising') ? { ...object, created_by_ref: undefined } : object;
    const d = run(o, { receive, provide });
    expect(d.allow).toBe(allow);
    if (lastRule !== undefined) expect(d.reasons.at(-1)?.rule).toBe(lastRule);
  });
});

// ---- embargo --------------------------------------------------------------------------

describe('embargo', () => {
  test('visibleFrom = publishedAt + hours', () => {
    const d = run(marked(TLP2.green), { provide: { embargoHours: 24 } });
    expect(d.allow).toBe(true);
    expect(d.visibleFrom).toBe(Date.UTC(2024, 0, 2));
    expect(d.reasons.at(-1)).toEqual({ rule: 'embargo', text: 'ohio embargoes for 24 h: visible from 2024-01-02T00:00:00.000Z' });
  });
  test('no embargo: no visibleFrom', () => {
    expect(run(marked(TLP2.green))).not.toHaveProperty('visibleFrom');
  });

  const HELD_REASON = { rule: 'embargo', text: 'ohio embargoes its objects until released: held until ohio releases it' };
  const ID = 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
  test.each([
    ['until released, not released', { embargoUntilReleased: true }, [], Number.MAX_SAFE_INTEGER, HELD_REASON],
    ['until released, no isReleased in the context', { embargoUntilReleased: true }, undefined, Number.MAX_SAFE_INTEGER, HELD_REASON],
    ['until released, another object released', { embargoUntilReleased: true }, ['indicator--00000000-0000-4000-8000-000000000000'], Number.MAX_SAFE_INTEGER, HELD_REASON],
    ['until released, released', { embargoUntilReleased: true }, [ID], undefined, undefined],
    [
      'until released and 24 h, released: the hours still count from publication',
      { embargoUntilReleased: true, embargoHours: 24 },
      [ID],
      Date.UTC(2024, 0, 2),
      { rule: 'embargo', text: 'ohio embargoes for 24 h: visible from 2024-01-02T00:00:00.000Z (released by ohio)' },
    ],
    ['until released and 24 h, not released', { embargoUntilReleased: true, embargoHours: 24 }, [], Number.MAX_SAFE_INTEGER, HELD_REASON],
    ['not until released: releases do not matter', { embargoUntilReleased: false }, [], undefined, undefined],
  ] as Array<[string, Partial<ProviderTerms>, string[] | undefined, number | undefined, { rule: string; text: string } | undefined]>)(
    '%s',
    (_name, provide, released, visibleFrom, reason) => {
      const d = run(marked(TLP2.green), { provide, ...(released !== undefined ? { released } : {}) });
      expect(d.allow).toBe(true);
      expect(d.visibleFrom).toBe(visibleFrom);
      const embargo = d.reasons.filter((r) => r.rule === 'embargo');
      expect(embargo).toEqual(reason === undefined ? [] : [reason]);
    },
  );

  test('the provider sees its own objects held until released', () => {
    const d = run(marked(TLP2.green), { provide: { embargoUntilReleased: true }, released: [], reader: ohio });
    expect(d.allow).toBe(true);
    expect(d).not.toHaveProperty('visibleFrom');
  });

  test('a refusal still refuses: held objects are not shown to members the marking excludes', () => {
    const d = run(marked(TLP2.red), { provide: { embargoUntilReleased: true }, released: [] });
    expect(d.allow).toBe(false);
  });
});

// ---- relationship closure -------------------------------------------------------------

describe('relationship closure', () => {
  const A = 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061';
  const B = 'identity--1c7b5b88-8ff7-4a4d-aa9d-feb398cd0061';
  const C = 'observed-data--2c7b5b88-8ff7-4a4d-aa9d-feb398cd0061';
  const rel = {
    type: 'relationship',
    spec_version: '2.1',
    id: 'relationship--3c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
    created: '2024-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
    relationship_type: 'targets',
    source_ref: A,
    target_ref: B,
  };
  const sighting = {
    type: 'sighting',
    spec_version: '2.1',
    id: 'sighting--4c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
    created: '2024-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
    sighting_of_ref: A,
    observed_data_refs: [C],
    where_sighted_refs: [B],
  };
  test.each<[string, Record<string, unknown>, Record<string, boolean | undefined>, boolean, boolean, string[] | undefined]>([
    ['relationship, both visible', rel, { [A]: true, [B]: true }, true, true, undefined],
    ['relationship, target hidden', rel, { [A]: true, [B]: false }, true, false, [B]],
    ['relationship, source unknown', rel, { [B]: true }, true, false, [A]],
    ['relationship, both unknown', rel, {}, true, false, [A, B]],
    ['relationship, not closed', rel, {}, false, true, undefined],
    ['sighting, all visible', sighting, { [A]: true, [B]: true, [C]: true }, true, true, undefined],
    ['sighting, observed data hidden', sighting, { [A]: true, [B]: true, [C]: false }, true, false, [C]],
    ['sighting, where sighted unknown', sighting, { [A]: true, [C]: true }, true, false, [B]],
  ])('%s', (_name, object, visible, relationshipClosed, allow, waitingFor) => {
    const d = run(object, { visible, receive: { relationshipClosed } });
    expect(d.allow).toBe(allow);
    expect(d.waitingFor).toEqual(waitingFor);
    if (!allow) expect(d.reasons.at(-1)?.rule).toBe('closure');
  });
});

// ---- IEP ------------------------------------------------------------------------------

describe('IEP 2.0', () => {
  test('tlp red and provider_attribution must-not: pseudonymised, named reader only', () => {
    const provide = { audiences: [{ to: ['member:indiana'], markings: ['red' as const] }] };
    const d = run(marked(IEP_RED_MUST_NOT), { provide });
    expect(d.allow).toBe(true);
    expect(d.marking).toBe('red');
    expect(d.transforms).toEqual([{ kind: 'pseudonymise', identityRef: ohio.identityRef, pseudonym: PSEUDONYM }]);
    expect(rules(d)).toEqual(['iep', 'audience', 'attribution']);
    expect(run(marked(IEP_RED_MUST_NOT), { provide, reader: isac }).allow).toBe(false);
  });
  test('must-not with hub attribution stays hub', () => {
    const d = run(marked(IEP_AMBER, IEP_RED_MUST_NOT), { provide: { attribution: 'hub', audiences: [{ to: ['member:indiana'], markings: ['red'] }] } });
    expect(d.transforms).toEqual([{ kind: 'attribute-to-hub', identityRef: ohio.identityRef, hubIdentity: HUB }]);
  });
  test('must keeps attribution despite the agreement', () => {
    const d = run(marked(IEP_MUST), { provide: { attribution: 'pseudonymise' } });
    expect(d.allow).toBe(true);
    expect(d.transforms).toEqual([]);
    expect(d.reasons.at(-1)).toEqual({ rule: 'attribution', text: 'IEP provider_attribution must: ohio stays attributed' });
  });
});

// ---- granular markings ----------------------------------------------------------------

describe('granular markings', () => {
  const withGranular = (selectors: string[], ref: string = TLP2.red, extra: Record<string, unknown> = {}): Record<string, unknown> =>
    indicator({
      object_marking_refs: [TLP2.green],
      description: 'secret details',
      external_references: [{ source_name: 'a', url: 'https://a.example/' }],
      kill_chain_phases: [
        { kill_chain_name: 'k', phase_name: 'p1' },
        { kill_chain_name: 'k', phase_name: 'p2' },
      ],
      granular_markings: [{ marking_ref: ref, selectors }],
      ...extra,
    });
  test.each<[string, Record<string, unknown>, Setup, boolean, string[] | undefined]>([
    ['red part redacted', withGranular(['description']), {}, true, ['description']],
    ['nested part redacted', withGranular(['external_references.[0].url', 'kill_chain_phases.[1]']), {}, true, ['external_references.[0].url', 'kill_chain_phases.[1]']],
    ['red part visible to a named reader', withGranular(['description']), { provide: { audiences: [{ to: ['everyone'] }, { to: ['member:indiana'], markings: ['red'] }] } }, true, undefined],
    ['amber part above the ceiling', withGranular(['description'], TLP2.amber), { receive: { markingCeiling: 'green' } }, true, ['description']],
    ['amber part within audience', withGranular(['description'], TLP2.amber), {}, true, undefined],
    ['part less restrictive than the object', withGranular(['description'], TLP2.clear), {}, true, undefined],
    ['required property: withheld', withGranular(['pattern']), {}, false, undefined],
    ['required item property: withheld', withGranular(['external_references.[0].source_name']), {}, false, undefined],
    ['lang granular marking ignored', indicator({ description: 'x', granular_markings: [{ lang: 'en', selectors: ['description'] }] }), {}, true, undefined],
    ['unknown marking ignored', withGranular(['description'], UNKNOWN_MARKING), {}, true, undefined],
  ])('%s', (_name, object, setup, allow, selectors) => {
    const d = run(object, setup);
    expect(d.allow).toBe(allow);
    const redact = d.transforms.find((t) => t.kind === 'redact-granular');
    expect(redact === undefined ? undefined : (redact as { selectors: string[] }).selectors).toEqual(selectors);
    if (!allow) expect(d.reasons.at(-1)?.rule).toBe('granular');
  });

  test('every item of a required list: withheld', () => {
    const report = {
      type: 'report',
      spec_version: '2.1',
      id: 'report--5c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
      created: '2024-01-01T00:00:00.000Z',
      modified: '2024-01-01T00:00:00.000Z',
      name: 'r',
      published: '2024-01-01T00:00:00.000Z',
      object_refs: ['indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'],
      granular_markings: [{ marking_ref: TLP2.red, selectors: ['object_refs.[1]'] }],
    };
    const visible = { 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f': true, 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061': true };
    expect(run(report, { visible }).transforms).toEqual([{ kind: 'redact-granular', selectors: ['object_refs.[1]'] }]);
    const all = { ...report, granular_markings: [{ marking_ref: TLP2.red, selectors: ['object_refs.[0]', 'object_refs.[1]'] }] };
    expect(run(all, { visible }).allow).toBe(false);
  });

  test('malware name is required for a family', () => {
    const m = (isFamily: boolean): Record<string, unknown> => ({
      type: 'malware',
      spec_version: '2.1',
      id: 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
      created: '2024-01-01T00:00:00.000Z',
      modified: '2024-01-01T00:00:00.000Z',
      name: 'm',
      is_family: isFamily,
      granular_markings: [{ marking_ref: TLP2.red, selectors: ['name'] }],
    });
    expect(run(m(true)).allow).toBe(false);
    expect(run(m(false)).allow).toBe(true);
  });
});

// ---- attribution ----------------------------------------------------------------------

describe('attribution', () => {
  const identity = {
    type: 'identity',
    spec_version: '2.1',
    id: ohio.identityRef,
    created: '2024-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
    name: 'Ohio',
    identity_class: 'organization',
  };
  const otherAuthor = { [isac.identityRef as string]: true };
  test.each<[string, Partial<ProviderTerms>, Record<string, unknown>, unknown[], Record<string, boolean> | undefined]>([
    ['keep', { attribution: 'keep' }, indicator(), [], undefined],
    ['pseudonymise created_by_ref', { attribution: 'pseudonymise' }, indicator(), [{ kind: 'pseudonymise', identityRef: ohio.identityRef, pseudonym: PSEUDONYM }], undefined],
    ['pseudonymise the identity object', { attribution: 'pseudonymise' }, identity, [{ kind: 'pseudonymise', identityRef: ohio.identityRef, pseudonym: PSEUDONYM }], undefined],
    ['pseudonymise: other author untouched', { attribution: 'pseudonymise' }, indicator({ created_by_ref: isac.identityRef }), [], otherAuthor],
    ['hub', { attribution: 'hub' }, indicator(), [{ kind: 'attribute-to-hub', identityRef: ohio.identityRef, hubIdentity: HUB }], undefined],
    ['hub: other author untouched', { attribution: 'hub' }, indicator({ created_by_ref: isac.identityRef }), [], otherAuthor],
    // Another organisation's identity the reader does not see: the reference goes.
    ['keep: hidden other author redacted', { attribution: 'keep' }, indicator({ created_by_ref: isac.identityRef }), [{ kind: 'redact-refs', ids: [isac.identityRef] }], undefined],
  ])('%s', (_name, provide, object, transforms, visible) => {
    const d = run(object, { provide, ...(visible !== undefined ? { visible } : {}) });
    expect(d.allow).toBe(true);
    expect(d.transforms).toEqual(transforms);
  });
});

// ---- strip rules ----------------------------------------------------------------------

describe('strip rules', () => {
  const object = indicator({
    x_internal_case: '42',
    x_internal_owner: 'bob',
    x_public: 1,
    external_references: [
      { source_name: 'wiki', url: 'https://wiki.ohio.internal/x' },
      { source_name: 'mitre', url: 'https://attack.mitre.org/' },
      { source_name: 'no-url', external_id: 'X' },
      { source_name: 'jira', url: 'https://jira.ohio.internal/1' },
    ],
  });
  test.each<[string, Partial<ProviderTerms>, unknown[]]>([
    ['glob', { strip: ['x_internal_*'] }, [{ kind: 'strip-properties', properties: ['x_internal_case', 'x_internal_owner'] }]],
    ['never the protected ones', { strip: ['*d', 'type', 'spec_version', 'created', 'modified', 'object_marking_refs'] }, []],
    ['nothing present', { strip: ['x_other_*'] }, []],
    ['reference urls', { stripReferenceUrls: ['\\.internal/'] }, [{ kind: 'strip-references', indexes: [0, 3] }]],
    ['refused pattern fails closed', { stripReferenceUrls: ['(a+)+$'] }, [{ kind: 'strip-references', indexes: [0, 1, 3] }]],
    ['too long pattern fails closed', { stripReferenceUrls: ['a'.repeat(201)] }, [{ kind: 'strip-references', indexes: [0, 1, 3] }]],
  ])('%s', (_name, provide, transforms) => {
    const d = run(object, { provide });
    expect(d.allow).toBe(true);
    expect(d.transforms).toEqual(transforms);
  });
  test('stripping a required property withholds the object', () => {
    const d = run(object, { provide: { strip: ['pattern*'] } });
    expect(d.allow).toBe(false);
    expect(d.reasons.at(-1)?.rule).toBe('strip');
  });
});

// ---- references -----------------------------------------------------------------------

describe('references', () => {
  const RED_INDICATOR = 'indicator--11111111-1111-4111-8111-111111111111';
  const SEEN = 'indicator--22222222-2222-4222-8222-222222222222';
  const IP = 'ipv4-addr--33333333-3333-5333-8333-333333333333';
  const EXT = 'extension-definition--44444444-4444-4444-8444-444444444444';
  const sdo = (type: string, extra: Record<string, unknown>): Record<string, unknown> => ({
    type,
    spec_version: '2.1',
    id: `${type}--5c7b5b88-8ff7-4a4d-aa9d-feb398cd0061`,
    created: '2024-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
    created_by_ref: ohio.identityRef,
    object_marking_refs: [TLP2.green],
    ...extra,
  });
  const report = (refs: string[], extra: Record<string, unknown> = {}) => sdo('report', { name: 'r', published: '2024-01-01T00:00:00.000Z', object_refs: refs, ...extra });
  const visible = { [SEEN]: true };

  test('a hidden reference is redacted, with a reason naming it', () => {
    const d = run(report([RED_INDICATOR, SEEN]), { visible });
    expect(d.allow).toBe(true);
    expect(d.transforms).toEqual([{ kind: 'redact-refs', ids: [RED_INDICATOR] }]);
    expect(d.reasons.at(-1)).toEqual({ rule: 'references', text: `report references ${RED_INDICATOR}, not visible to indiana: removed (object_refs.[0])` });
  });

  test('every reference visible: nothing to do', () => {
    const d = run(report([SEEN]), { visible });
    expect(d.transforms).toEqual([]);
    expect(rules(d)).not.toContain('references');
  });

  test('a required list left empty withholds, waiting for the references', () => {
    const d = run(report([RED_INDICATOR]), { visible });
    expect(d.allow).toBe(false);
    expect(d.waitingFor).toEqual([RED_INDICATOR]);
    expect(d.reasons.at(-1)?.rule).toBe('references');
    expect(d.reasons.at(-1)?.text).toContain('object_refs is required for report and would be left empty');
  });

  test.each<[string, Record<string, unknown>]>([
    ['note', sdo('note', { content: 'c', object_refs: [RED_INDICATOR] })],
    ['opinion', sdo('opinion', { opinion: 'agree', object_refs: [RED_INDICATOR] })],
    ['grouping', sdo('grouping', { context: 'suspicious-activity', object_refs: [RED_INDICATOR] })],
    ['observed-data', sdo('observed-data', { first_observed: '2024-01-01T00:00:00Z', last_observed: '2024-01-01T00:00:00Z', number_observed: 1, object_refs: [IP] })],
    ['language-content', sdo('language-content', { object_ref: RED_INDICATOR, contents: { de: { name: 'x' } } })],
    ['malware-analysis without result', sdo('malware-analysis', { product: 'p', analysis_sco_refs: [IP] })],
    ['network-traffic with only src_ref', { type: 'network-traffic', spec_version: '2.1', id: 'network-traffic--66666666-6666-5666-8666-666666666666', protocols: ['tcp'], src_ref: IP }],
    ['archive without its contents', { type: 'file', spec_version: '2.1', id: 'file--66666666-6666-5666-8666-666666666666', name: 'a.zip', extensions: { 'archive-ext': { contains_refs: [IP] } } }],
    ['process with nothing else', { type: 'process', spec_version: '2.1', id: 'process--66666666-6666-5666-8666-666666666666', image_ref: 'file--77777777-7777-5777-8777-777777777777' }],
    ['extension definition without its author', { ...sdo('extension-definition', { name: 'e', schema: 's', version: '1.0.0', extension_types: ['property-extension'] }), created_by_ref: 'identity--99999999-9999-4999-8999-999999999999' }],
  ])('a required reference withholds: %s', (_name, object) => {
    const d = run(object, { visible });
    expect(d.allow).toBe(false);
    expect(d.reasons.at(-1)?.rule).toBe('references');
    expect(d.waitingFor?.length).toBeGreaterThan(0);
  });

  test('optional SCO references are redacted', () => {
    const traffic = { type: 'network-traffic', spec_version: '2.1', id: 'network-traffic--66666666-6666-5666-8666-666666666666', protocols: ['tcp'], src_ref: IP, dst_ref: SEEN };
    expect(run(traffic, { visible }).transforms).toEqual([{ kind: 'redact-refs', ids: [IP] }]);
  });

  test('custom references, nested in extensions too', () => {
    const object = report([SEEN], { x_foo_ref: IP, x_bar_refs: [SEEN, RED_INDICATOR], extensions: { [EXT]: { extension_type: 'property-extension', x_baz_ref: IP } } });
    const d = run(object, { visible });
    expect(d.transforms).toEqual([{ kind: 'redact-refs', ids: [IP, RED_INDICATOR] }]);
    expect(d.reasons.at(-1)?.text).toContain(`x_foo_ref, x_bar_refs.[1], extensions.${EXT}.x_baz_ref`);
  });

  test('marking references and references to itself are not redacted', () => {
    const object = report([SEEN], { x_marking_ref: TLP2.amber, x_self_refs: [`report--5c7b5b88-8ff7-4a4d-aa9d-feb398cd0061`], granular_markings: [{ marking_ref: TLP2.green, selectors: ['name'] }] });
    expect(run(object, { visible }).transforms).toEqual([]);
  });

  test('provide.redactReferences withhold: withheld rather than redacted', () => {
    const d = run(report([RED_INDICATOR, SEEN]), { visible, provide: { redactReferences: 'withhold' } });
    expect(d.allow).toBe(false);
    expect(d.waitingFor).toEqual([RED_INDICATOR]);
    expect(d.reasons.at(-1)?.text).toContain('withholds rather than redacts');
    expect(run(report([SEEN]), { visible, provide: { redactReferences: 'withhold' } }).allow).toBe(true);
  });

  test("the provider's identity: attribution decides, not redaction", () => {
    // keep: the provider stays named, its identity object published or not.
    expect(run(report([SEEN]), { visible }).transforms).toEqual([]);
    // pseudonymise / hub: replaced by hub-issued ids.
    expect(run(report([SEEN]), { visible, provide: { attribution: 'pseudonymise' } }).transforms).toEqual([{ kind: 'pseudonymise', identityRef: ohio.identityRef, pseudonym: PSEUDONYM }]);
    expect(run(report([SEEN]), { visible, provide: { attribution: 'hub' } }).transforms).toEqual([{ kind: 'attribute-to-hub', identityRef: ohio.identityRef, hubIdentity: HUB }]);
    // pseudonymise: the real identity id below the top level (not replaced) goes, even if visible.
    const nested = report([SEEN], { extensions: { [EXT]: { extension_type: 'property-extension', x_author_ref: ohio.identityRef } } });
    expect(run(nested, { visible: { ...visible, [ohio.identityRef as string]: true }, provide: { attribution: 'pseudonymise' } }).transforms).toEqual([
      { kind: 'pseudonymise', identityRef: ohio.identityRef, pseudonym: PSEUDONYM },
      { kind: 'redact-refs', ids: [ohio.identityRef] },
    ]);
    // hub: the identity named elsewhere than created_by_ref is redacted unless visible.
    const named = report([SEEN, ohio.identityRef as string]);
    expect(run(named, { visible, provide: { attribution: 'hub' } }).transforms).toEqual([
      { kind: 'attribute-to-hub', identityRef: ohio.identityRef, hubIdentity: HUB },
      { kind: 'redact-refs', ids: [ohio.identityRef] },
    ]);
  });

  test("relationships: closure governs their own references, redaction the others", () => {
    const rel = sdo('relationship', { relationship_type: 'indicates', source_ref: SEEN, target_ref: RED_INDICATOR, x_foo_ref: IP });
    const closed = run(rel, { visible });
    expect(closed.allow).toBe(false);
    expect(closed.reasons.at(-1)?.rule).toBe('closure');
    expect(closed.waitingFor).toEqual([RED_INDICATOR]);
    const open = run(rel, { visible, receive: { relationshipClosed: false } });
    expect(open.allow).toBe(true);
    expect(open.transforms).toEqual([{ kind: 'redact-refs', ids: [IP] }]);
  });

  test('a reference inside a part already removed is not listed', () => {
    const object = report([SEEN], { x_foo_ref: IP, granular_markings: [{ marking_ref: TLP2.red, selectors: ['x_foo_ref'] }] });
    expect(run(object, { visible }).transforms).toEqual([{ kind: 'redact-granular', selectors: ['x_foo_ref'] }]);
  });
});

// ---- speed ----------------------------------------------------------------------------

test('fast: a few microseconds per decision', () => {
  const object = marked(TLP2.amber);
  const provide = { audiences: [{ to: ['group:states'] }], strip: ['x_internal_*'], stripReferenceUrls: ['internal'], attribution: 'pseudonymise' as const };
  const reader: Reader = { member: indiana, mou: mou('indiana') };
  const ctx: DecisionContext = {
    provider: ohio,
    providerMou: mou('ohio', provide),
    publishedAt: 0,
    members: MEMBERS,
    markingDefinition: (id) => HELD.get(id),
    isVisibleToReader: () => true,
    pseudonymOf: () => PSEUDONYM,
    hubIdentity: HUB,
  };
  for (let i = 0; i < 2000; i++) decide(reader, object, ctx);
  const n = 20000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) decide(reader, object, ctx);
  const perCallUs = Number(process.hrtime.bigint() - start) / n / 1000;
  expect(perCallUs).toBeLessThan(20);
  if (process.env.SHOW_DECIDE_SPEED) console.log(`decide: ${perCallUs.toFixed(2)} µs`);
});
