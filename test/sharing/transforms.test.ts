import { applyTransforms } from '../../src/sharing/transforms';
import { referencedObjectIds, referencePaths } from '../../src/sharing/references';

const OHIO = 'identity--aaaa0000-0000-4000-8000-000000000000';
const PSEUDONYM = 'identity--abcdef01-2345-4678-9abc-def012345678';
const HUB = 'identity--00000000-0000-4000-8000-00000000beef';
const RED = 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1';
const AMBER = 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421';

const base = {
  type: 'indicator',
  spec_version: '2.1',
  id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
  created: '2024-01-01T00:00:00.000Z',
  modified: '2024-01-02T00:00:00.000Z',
  created_by_ref: OHIO,
  pattern: "[ipv4-addr:value = '198.51.100.1']",
  pattern_type: 'stix',
  valid_from: '2024-01-01T00:00:00.000Z',
};

describe('applyTransforms', () => {
  test('no transforms: an equal, new object', () => {
    const out = applyTransforms(base, []);
    expect(out).toEqual(base);
    expect(out).not.toBe(base);
  });

  test('pseudonymise created_by_ref and other references', () => {
    const sighting = {
      type: 'sighting',
      spec_version: '2.1',
      id: 'sighting--4c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
      created: '2024-01-01T00:00:00.000Z',
      modified: '2024-01-01T00:00:00.000Z',
      created_by_ref: OHIO,
      sighting_of_ref: 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
      where_sighted_refs: [OHIO, 'identity--1c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'],
    };
    const input = structuredClone(sighting);
    expect(applyTransforms(input, [{ kind: 'pseudonymise', identityRef: OHIO, pseudonym: PSEUDONYM }])).toEqual({
      ...sighting,
      created_by_ref: PSEUDONYM,
      where_sighted_refs: [PSEUDONYM, 'identity--1c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'],
    });
    expect(input).toEqual(sighting);
  });

  test('pseudonymise the provider identity object', () => {
    const identity = {
      type: 'identity',
      spec_version: '2.1',
      id: OHIO,
      created: '2023-05-01T00:00:00.000Z',
      modified: '2023-06-01T00:00:00.000Z',
      name: 'State of Ohio',
      identity_class: 'government',
      contact_information: 'soc@ohio.example',
      object_marking_refs: [AMBER],
    };
    expect(applyTransforms(identity, [{ kind: 'pseudonymise', identityRef: OHIO, pseudonym: PSEUDONYM }])).toEqual({
      type: 'identity',
      spec_version: '2.1',
      id: PSEUDONYM,
      created: '2023-05-01T00:00:00.000Z',
      modified: '2023-06-01T00:00:00.000Z',
      name: 'Hub member abcdef01',
      identity_class: 'organization',
      // Its markings stay: the pseudonym travels no less restricted than the original.
      object_marking_refs: [AMBER],
    });
  });

  test.each([
    ['matching author', OHIO, HUB],
    ['any author when the provider has no identity', undefined, HUB],
  ])('attribute to hub: %s', (_n, identityRef, expected) => {
    expect(applyTransforms(base, [{ kind: 'attribute-to-hub', identityRef, hubIdentity: HUB }])).toEqual({ ...base, created_by_ref: expected });
  });

  test('attribute to hub leaves another author', () => {
    const other = { ...base, created_by_ref: 'identity--1c7b5b88-8ff7-4a4d-aa9d-feb398cd0061' };
    expect(applyTransforms(other, [{ kind: 'attribute-to-hub', identityRef: OHIO, hubIdentity: HUB }])).toEqual(other);
  });

  test('strip-properties, with granular markings on them', () => {
    const obj = {
      ...base,
      x_internal_case: '42',
      description: 'd',
      granular_markings: [
        { marking_ref: RED, selectors: ['x_internal_case'] },
        { marking_ref: AMBER, selectors: ['x_internal_case', 'description'] },
      ],
    };
    expect(applyTransforms(obj, [{ kind: 'strip-properties', properties: ['x_internal_case'] }])).toEqual({
      ...base,
      description: 'd',
      granular_markings: [{ marking_ref: AMBER, selectors: ['description'] }],
    });
  });

  test('strip-references: indexes of the original list, granular selectors renumbered', () => {
    const obj = {
      ...base,
      external_references: [
        { source_name: 'wiki', url: 'https://wiki.internal/' },
        { source_name: 'mitre', url: 'https://attack.mitre.org/' },
        { source_name: 'jira', url: 'https://jira.internal/' },
        { source_name: 'cve', external_id: 'CVE-2024-0001' },
      ],
      granular_markings: [{ marking_ref: AMBER, selectors: ['external_references.[3].external_id', 'external_references.[2]'] }],
    };
    expect(applyTransforms(obj, [{ kind: 'strip-references', indexes: [0, 2] }])).toEqual({
      ...base,
      external_references: [
        { source_name: 'mitre', url: 'https://attack.mitre.org/' },
        { source_name: 'cve', external_id: 'CVE-2024-0001' },
      ],
      granular_markings: [{ marking_ref: AMBER, selectors: ['external_references.[1].external_id'] }],
    });
  });

  test('strip-references: an emptied list is removed', () => {
    const obj = { ...base, external_references: [{ source_name: 'wiki', url: 'https://wiki.internal/' }] };
    expect(applyTransforms(obj, [{ kind: 'strip-references', indexes: [0] }])).toEqual(base);
  });

  test('redact-granular: properties, nested parts and list items', () => {
    const obj = {
      ...base,
      description: 'secret',
      labels: ['a', 'b', 'c'],
      external_references: [
        { source_name: 'a', url: 'https://a.example/' },
        { source_name: 'b', url: 'https://b.example/' },
      ],
      kill_chain_phases: [
        { kill_chain_name: 'k', phase_name: 'p0' },
        { kill_chain_name: 'k', phase_name: 'p1' },
        { kill_chain_name: 'k', phase_name: 'p2' },
      ],
      granular_markings: [
        { marking_ref: RED, selectors: ['description', 'external_references.[0].url', 'kill_chain_phases.[0]', 'kill_chain_phases.[1]', 'labels.[1]'] },
        { marking_ref: AMBER, selectors: ['kill_chain_phases.[2].phase_name', 'labels.[2]'] },
      ],
    };
    const input = structuredClone(obj);
    const out = applyTransforms(input, [
      {
        kind: 'redact-granular',
        selectors: ['description', 'external_references.[0].url', 'kill_chain_phases.[0]', 'kill_chain_phases.[1]', 'labels.[1]'],
      },
    ]);
    expect(out).toEqual({
      ...base,
      labels: ['a', 'c'],
      external_references: [{ source_name: 'a' }, { source_name: 'b', url: 'https://b.example/' }],
      kill_chain_phases: [{ kill_chain_name: 'k', phase_name: 'p2' }],
      granular_markings: [{ marking_ref: AMBER, selectors: ['kill_chain_phases.[0].phase_name', 'labels.[1]'] }],
    });
    expect(input).toEqual(obj);
  });

  test('redact-granular: every item of a list removes the list, and the granular markings go', () => {
    const obj = {
      ...base,
      labels: ['a', 'b'],
      granular_markings: [{ marking_ref: RED, selectors: ['labels.[0]', 'labels.[1]'] }],
    };
    expect(applyTransforms(obj, [{ kind: 'redact-granular', selectors: ['labels.[1]', 'labels.[0]'] }])).toEqual(base);
  });

  test('removals from several transforms use the original indexes', () => {
    const obj = {
      ...base,
      x_internal: 1,
      external_references: [
        { source_name: 'a', url: 'https://a.internal/' },
        { source_name: 'b', url: 'https://b.example/', description: 'd' },
        { source_name: 'c', url: 'https://c.example/' },
      ],
      granular_markings: [{ marking_ref: RED, selectors: ['external_references.[1].description'] }],
    };
    expect(
      applyTransforms(obj, [
        { kind: 'redact-granular', selectors: ['external_references.[1].description'] },
        { kind: 'pseudonymise', identityRef: OHIO, pseudonym: PSEUDONYM },
        { kind: 'strip-properties', properties: ['x_internal'] },
        { kind: 'strip-references', indexes: [0] },
      ]),
    ).toEqual({
      ...base,
      created_by_ref: PSEUDONYM,
      external_references: [
        { source_name: 'b', url: 'https://b.example/' },
        { source_name: 'c', url: 'https://c.example/' },
      ],
    });
  });
});

describe('redact-refs', () => {
  const HIDDEN = 'indicator--11111111-1111-4111-8111-111111111111';
  const SEEN = 'indicator--22222222-2222-4222-8222-222222222222';
  const IP = 'ipv4-addr--33333333-3333-5333-8333-333333333333';
  const EXT = 'extension-definition--44444444-4444-4444-8444-444444444444';
  const report = {
    type: 'report',
    spec_version: '2.1',
    id: 'report--5c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
    created: '2024-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
    created_by_ref: OHIO,
    name: 'r',
    published: '2024-01-01T00:00:00.000Z',
    object_refs: [HIDDEN, SEEN, IP],
    x_foo_ref: IP,
    x_bar_refs: [IP],
    extensions: { [EXT]: { extension_type: 'property-extension', x_deep: { x_baz_ref: HIDDEN, keep: 1 } } },
    object_marking_refs: [AMBER],
    granular_markings: [{ marking_ref: RED, selectors: ['object_refs.[2]', 'name'] }],
  };

  test('every reference to the ids goes, at any depth; lists and selectors follow', () => {
    const out = applyTransforms(report, [{ kind: 'redact-refs', ids: [HIDDEN, IP] }]);
    expect(out.object_refs).toEqual([SEEN]);
    expect(out).not.toHaveProperty('x_foo_ref');
    // An emptied list goes (STIX forbids empty lists).
    expect(out).not.toHaveProperty('x_bar_refs');
    expect(out.extensions).toEqual({ [EXT]: { extension_type: 'property-extension', x_deep: { keep: 1 } } });
    expect(out.granular_markings).toEqual([{ marking_ref: RED, selectors: ['name'] }]);
    expect(out.object_marking_refs).toEqual([AMBER]);
    expect(out.created_by_ref).toBe(OHIO);
    expect(report.object_refs).toEqual([HIDDEN, SEEN, IP]);
  });

  test('list items before a granular selector renumber it', () => {
    const out = applyTransforms(report, [{ kind: 'redact-refs', ids: [HIDDEN] }]);
    expect(out.object_refs).toEqual([SEEN, IP]);
    expect(out.granular_markings).toEqual([{ marking_ref: RED, selectors: ['object_refs.[1]', 'name'] }]);
  });

  test('after attribution: a created_by_ref replaced by the hub stays, other references to the identity go', () => {
    const withIdentity = { ...report, object_refs: [SEEN, OHIO] };
    const out = applyTransforms(withIdentity, [
      { kind: 'attribute-to-hub', identityRef: OHIO, hubIdentity: HUB },
      { kind: 'redact-refs', ids: [OHIO] },
    ]);
    expect(out.created_by_ref).toBe(HUB);
    expect(out.object_refs).toEqual([SEEN]);
  });

  test('with strip-properties of the same property: removed once', () => {
    const out = applyTransforms(report, [
      { kind: 'strip-properties', properties: ['x_foo_ref'] },
      { kind: 'redact-refs', ids: [IP] },
    ]);
    expect(out).not.toHaveProperty('x_foo_ref');
    expect(out.object_refs).toEqual([HIDDEN, SEEN]);
  });
});

describe('references', () => {
  test('referencePaths: every object reference, not markings, not itself', () => {
    const id = 'file--55555555-5555-5555-8555-555555555555';
    const file = {
      type: 'file',
      spec_version: '2.1',
      id,
      name: 'a.zip',
      parent_directory_ref: 'directory--66666666-6666-5666-8666-666666666666',
      x_self_ref: id,
      x_marking_ref: RED,
      x_not_an_id_ref: 'hello',
      extensions: { 'archive-ext': { contains_refs: ['file--77777777-7777-5777-8777-777777777777'] } },
      object_marking_refs: [AMBER],
      granular_markings: [{ marking_ref: RED, selectors: ['name'] }],
    };
    expect(referencePaths(file)).toEqual([
      { path: ['parent_directory_ref'], id: 'directory--66666666-6666-5666-8666-666666666666' },
      { path: ['extensions', 'archive-ext', 'contains_refs', 0], id: 'file--77777777-7777-5777-8777-777777777777' },
    ]);
    expect(referencedObjectIds(file)).toEqual(['directory--66666666-6666-5666-8666-666666666666', 'file--77777777-7777-5777-8777-777777777777']);
  });
});
