// planDirectory (config plan/apply): what changes, what is left alone, what is refused.
import { applyInMemory } from '../../src/directory/changes';
import { checkDirectory } from '../../src/admin/directory-integrity';
import { describePlan, planDirectory, type DirectorySpec } from '../../src/admin/directory-plan';
import { memberDeletion } from '../../src/admin/member-admin';
import { mouFromJson, mouToJson } from '../../src/admin/directory-json';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS, defaultMou, type MarkingLevel, type Mou } from '../../src/directory/mou';
import type { DirectoryData } from '../../src/directory/records';

const C1 = '20000000-0000-4000-8000-000000000001';
const spec = (): DirectorySpec => ({
  apiRoots: [{ path: 'hub', title: 'Hub', maxContentLength: 1024 }],
  collections: [{ id: C1, apiRoot: 'hub', title: 'Shared', mediaTypes: ['application/stix+json;version=2.1'], validation: 'standard', allowCustom: true }],
  acl: [{ collectionId: C1, grantee: 'member:ohio', read: true, write: true }],
  groups: [{ id: 'states', name: 'States' }],
  members: [{ id: 'ohio', name: 'Ohio', groups: ['states'], status: 'active' }],
  mous: [],
});
const empty = (): DirectoryData => ({ revision: 0, apiRoots: [], collections: [], members: [], groups: [], credentials: [], acl: [], mous: [] });
const after = (d: DirectoryData, s: DirectorySpec) => applyInMemory(d, planDirectory(d, s).map((p) => p.change));

test('an empty store: everything declared is created and marked managed; planning again finds nothing', () => {
  const plan = planDirectory(empty(), spec());
  expect(describePlan(plan)).toEqual([
    '+ group states',
    '+ member ohio',
    '+ api root hub',
    `+ collection ${C1}`,
    `+ acl ${C1} member:ohio`,
  ]);
  const applied = after(empty(), spec());
  expect(applied.members[0]?.managed).toBe(true);
  expect(checkDirectory(applied)).toEqual([]);
  expect(planDirectory(applied, spec())).toEqual([]);
});

test('a changed field is an update naming the field; an unmanaged twin is adopted', () => {
  const applied = after(empty(), spec());
  const s = spec();
  s.members[0] = { ...(s.members[0] as DirectoryData['members'][0]), name: 'State of Ohio' };
  expect(describePlan(planDirectory(applied, s))).toEqual(['~ member ohio (name)']);
  const unmanaged: DirectoryData = { ...empty(), groups: [{ id: 'states', name: 'States' }] };
  expect(describePlan(planDirectory(unmanaged, spec()))[0]).toBe('~ group states (managed)');
});

test('what the files no longer declare is deleted if managed, with what depends on it; unmanaged records stay', () => {
  const applied = after(empty(), spec());
  const withExtra: DirectoryData = {
    ...applied,
    members: [...applied.members, { id: 'by-api', name: 'Made by the API', groups: ['states'], status: 'active' }],
    credentials: [{ id: 'k', memberId: 'ohio', kind: 'token', role: 'reader', prefix: 'p', secretHash: 'h', createdAt: 0 }],
  };
  const s = spec();
  s.members = [];
  s.acl = [];
  const result = after(withExtra, s);
  expect(result.members.map((m) => m.id)).toEqual(['by-api']);
  expect(result.credentials).toEqual([]);
  expect(result.acl).toEqual([]);
  expect(checkDirectory(result)).toEqual([]);
});

test('files that still grant access to a member they no longer declare are refused, not half-applied', () => {
  const applied = after(empty(), spec());
  const s = spec();
  s.members = [];
  const result = after(applied, s);
  expect(checkDirectory(result)).toContain(`ACL entry on ${C1}: member 'ohio' does not exist`);
});

describe('MOUs', () => {
  const mou = (extra: Partial<Mou['provide']> = {}): Mou => ({ ...defaultMou('ohio'), provide: { ...DEFAULT_PROVIDER_TERMS, ...extra } });
  const withMou = (m: Mou): DirectorySpec => ({ ...spec(), mous: [m] });

  test('declared like the other kinds: created managed, updated by field, deleted when no longer declared', () => {
    expect(describePlan(planDirectory(empty(), withMou(mou())))).toContain('+ mou ohio');
    const applied = after(empty(), withMou(mou()));
    expect(applied.mous).toEqual([{ ...mou(), managed: true }]);
    expect(planDirectory(applied, withMou(mou()))).toEqual([]);
    expect(describePlan(planDirectory(applied, withMou(mou({ embargoHours: 2 }))))).toEqual(['~ mou ohio (provide)']);
    expect(describePlan(planDirectory(applied, spec()))).toEqual(['- mou ohio']);
    // An unmanaged MOU (API/CLI) is left alone, or adopted when the files declare it.
    const unmanaged: DirectoryData = { ...applied, mous: [mou()] };
    expect(planDirectory(unmanaged, spec())).toEqual([]);
    expect(describePlan(planDirectory(unmanaged, withMou(mou())))).toEqual(['~ mou ohio (managed)']);
  });

  test('deleting a managed member deletes its MOU, managed or not', () => {
    const applied: DirectoryData = { ...after(empty(), spec()), mous: [mou()] };
    const s: DirectorySpec = { ...spec(), members: [], acl: [], groups: spec().groups };
    const plan = planDirectory(applied, s);
    expect(describePlan(plan)).toEqual(expect.arrayContaining(['- mou ohio', '- member ohio']));
    expect(checkDirectory(applyInMemory(applied, plan.map((p) => p.change)))).toEqual([]);
  });

  test('memberDeletion removes the MOU', () => {
    const applied: DirectoryData = { ...after(empty(), { ...spec(), acl: [] }), mous: [mou()] };
    expect(memberDeletion(applied, 'ohio')).toContainEqual({ op: 'delete', kind: 'mou', key: 'ohio' });
  });

  const base = (): DirectoryData => after(empty(), spec());
  test.each<[string, (m: Mou) => Mou, string]>([
    ['an unknown member', (m) => ({ ...m, memberId: 'ghost' }), "MOU of 'ghost': member 'ghost' does not exist"],
    ['an unknown group', (m) => ({ ...m, provide: { ...m.provide, audiences: [{ to: ['group:ghosts'] }] } }), "provide.audiences[0].to names group 'ghosts', which does not exist"],
    ['a bad audience', (m) => ({ ...m, receive: { ...m.receive, sources: ['all'] } }), "receive.sources 'all' must be everyone, group:<id> or member:<id>"],
    ['an empty audience', (m) => ({ ...m, provide: { ...m.provide, audiences: [{ to: [] }] } }), 'provide.audiences[0].to names nobody'],
    ['a bad marking', (m) => ({ ...m, receive: { ...m.receive, markingCeiling: 'white' as MarkingLevel } }), "receive.marking_ceiling 'white' is not a marking level"],
    ['a bad clause marking', (m) => ({ ...m, provide: { ...m.provide, audiences: [{ markings: ['tlp:red' as MarkingLevel], to: ['everyone'] }] } }), "provide.audiences[0].markings 'tlp:red' is not a marking level"],
    ['a bad type', (m) => ({ ...m, receive: { ...m.receive, types: ['x'] } }), "receive.types 'x' is not a STIX type name or '*'"],
    ['a bad embargo', (m) => ({ ...m, provide: { ...m.provide, embargoHours: 9000 } }), 'provide.embargo_hours must be between 0 and 8760'],
    ['a negative embargo', (m) => ({ ...m, provide: { ...m.provide, embargoHours: -1 } }), 'provide.embargo_hours must be between 0 and 8760'],
    ['a bad regexp', (m) => ({ ...m, provide: { ...m.provide, stripReferenceUrls: ['['] } }), "provide.strip_reference_urls '[' is not a regular expression"],
    ['a long regexp', (m) => ({ ...m, provide: { ...m.provide, stripReferenceUrls: ['a'.repeat(201)] } }), 'a pattern is at most 200 characters'],
    ['a bad glob', (m) => ({ ...m, provide: { ...m.provide, strip: ['X_Internal'] } }), "provide.strip 'X_Internal' must be a property name"],
  ])('checkDirectory refuses a MOU with %s', (_name, edit, problem) => {
    const problems = checkDirectory({ ...base(), mous: [edit(mou())] });
    expect(problems.join('\n')).toContain(problem);
  });

  test('checkDirectory: one MOU per member; valid MOUs pass', () => {
    expect(checkDirectory({ ...base(), mous: [mou(), mou()] })).toContain("member 'ohio' has two MOUs");
    const good = mou({ audiences: [{ markings: ['red'], types: ['report', '*'], to: ['member:ohio', 'group:states', 'everyone'], except: ['member:ohio'] }], strip: ['x_internal_*'], stripReferenceUrls: ['^https://intranet\\.'], embargoHours: 8760 });
    expect(checkDirectory({ ...base(), mous: [good] })).toEqual([]);
  });

  test('JSON form: absent fields take the defaults; mouToJson gives every field back', () => {
    expect(mouFromJson({ member: 'ohio' })).toEqual(defaultMou('ohio'));
    const m = mouFromJson({ member: 'ohio', provide: { attribution: 'hub', audiences: [{ to: ['everyone'], types: ['indicator'] }] }, receive: { types: ['indicator'], relationship_closed: false } });
    expect(m.provide).toEqual({ ...DEFAULT_PROVIDER_TERMS, attribution: 'hub', audiences: [{ to: ['everyone'], types: ['indicator'] }] });
    expect(m.receive).toEqual({ ...DEFAULT_RECIPIENT_TERMS, types: ['indicator'], relationshipClosed: false });
    expect(mouFromJson(mouToJson(m) as Record<string, unknown>)).toEqual(m);
  });
});
