// planDirectory (config plan/apply): what changes, what is left alone, what is refused.
import { applyInMemory } from '../../src/admin/directory-changes';
import { checkDirectory } from '../../src/admin/directory-integrity';
import { describePlan, planDirectory, type DirectorySpec } from '../../src/admin/directory-plan';
import type { DirectoryData } from '../../src/store/directory-records';

const C1 = '20000000-0000-4000-8000-000000000001';
const spec = (): DirectorySpec => ({
  apiRoots: [{ path: 'hub', title: 'Hub', maxContentLength: 1024 }],
  collections: [{ id: C1, apiRoot: 'hub', title: 'Shared', mediaTypes: ['application/stix+json;version=2.1'], validation: 'standard', allowCustom: true }],
  acl: [{ collectionId: C1, grantee: 'member:ohio', read: true, write: true }],
  groups: [{ id: 'states', name: 'States' }],
  members: [{ id: 'ohio', name: 'Ohio', groups: ['states'], status: 'active' }],
});
const empty = (): DirectoryData => ({ revision: 0, apiRoots: [], collections: [], members: [], groups: [], credentials: [], acl: [] });
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
