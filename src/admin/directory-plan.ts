// `config plan|apply`: the changes that make the store's directory match the declared one.
// Declared resources are created or updated and marked managed; managed resources no
// longer declared are deleted; resources created through the API or CLI (unmanaged) are
// never touched, except where deleting a declared resource removes what depends on it.
import type {
  AclEntry,
  ApiRootRecord,
  CollectionRecord,
  DirectoryChange,
  DirectoryData,
  GroupRecord,
  MemberRecord,
  Mou,
} from '../directory/records';
import { aclKey } from '../directory/changes';

export interface DirectorySpec {
  apiRoots: ApiRootRecord[];
  collections: CollectionRecord[];
  acl: AclEntry[];
  groups: GroupRecord[];
  members: MemberRecord[];
  mous: Mou[];
}

export interface PlannedChange {
  action: 'create' | 'update' | 'delete';
  kind: DirectoryChange['kind'];
  key: string;
  /** For updates: the fields that differ. */
  fields?: string[];
  change: DirectoryChange;
}

type Managed = { managed?: boolean };

function comparable(record: object): Record<string, unknown> {
  const { managed: _m, ...rest } = record as Record<string, unknown> & Managed;
  return rest;
}

function differingFields(a: object, b: object): string[] {
  const x = comparable(a);
  const y = comparable(b);
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
  return keys.filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
}

export function planDirectory(current: DirectoryData, spec: DirectorySpec): PlannedChange[] {
  const plan: PlannedChange[] = [];
  const upsert = <T extends object & Managed>(kind: DirectoryChange['kind'], key: (r: T) => string, existing: T[], desired: T[]) => {
    const byKey = new Map(existing.map((r) => [key(r), r]));
    for (const want of desired) {
      const record = { ...want, managed: true } as T;
      const have = byKey.get(key(want));
      const change = { op: 'put', kind, record } as unknown as DirectoryChange;
      if (!have) plan.push({ action: 'create', kind, key: key(want), change });
      else {
        const fields = differingFields(have, want);
        if (fields.length > 0 || have.managed !== true) plan.push({ action: 'update', kind, key: key(want), fields: fields.length > 0 ? fields : ['managed'], change });
      }
    }
  };
  upsert<GroupRecord>('group', (g) => g.id, current.groups, spec.groups);
  upsert<MemberRecord>('member', (m) => m.id, current.members, spec.members);
  upsert<ApiRootRecord>('apiRoot', (r) => r.path, current.apiRoots, spec.apiRoots);
  upsert<CollectionRecord>('collection', (c) => c.id, current.collections, spec.collections);
  upsert<AclEntry>('acl', aclKey, current.acl, spec.acl);
  upsert<Mou>('mou', (m) => m.memberId, current.mous, spec.mous);

  const deletions = new Map<string, PlannedChange>();
  const remove = (kind: DirectoryChange['kind'], key: string, change: DirectoryChange) => {
    const id = `${kind} ${key}`;
    if (!deletions.has(id)) deletions.set(id, { action: 'delete', kind, key, change });
  };
  const declared = {
    acl: new Set(spec.acl.map(aclKey)),
    collections: new Set(spec.collections.map((c) => c.id)),
    roots: new Set(spec.apiRoots.map((r) => r.path)),
    members: new Set(spec.members.map((m) => m.id)),
    groups: new Set(spec.groups.map((g) => g.id)),
    mous: new Set(spec.mous.map((m) => m.memberId)),
  };
  // A cascade never removes a declared entry: files that still grant access to a member,
  // group or collection they no longer declare are refused by the integrity check instead.
  const dropAcl = (a: AclEntry) => {
    if (declared.acl.has(aclKey(a))) return;
    remove('acl', aclKey(a), { op: 'delete', kind: 'acl', key: { collectionId: a.collectionId, grantee: a.grantee } });
  };
  const dropMou = (memberId: string) => {
    if (!declared.mous.has(memberId)) remove('mou', memberId, { op: 'delete', kind: 'mou', key: memberId });
  };
  for (const a of current.acl) if (a.managed && !declared.acl.has(aclKey(a))) dropAcl(a);
  for (const m of current.mous) if (m.managed && !declared.mous.has(m.memberId)) dropMou(m.memberId);
  for (const c of current.collections) {
    if (!c.managed || declared.collections.has(c.id)) continue;
    for (const a of current.acl) if (a.collectionId === c.id) dropAcl(a);
    remove('collection', c.id, { op: 'delete', kind: 'collection', key: c.id });
  }
  for (const r of current.apiRoots) {
    if (r.managed && !declared.roots.has(r.path)) remove('apiRoot', r.path, { op: 'delete', kind: 'apiRoot', key: r.path });
  }
  for (const m of current.members) {
    if (!m.managed || declared.members.has(m.id)) continue;
    for (const c of current.credentials) if (c.memberId === m.id) remove('credential', c.id, { op: 'delete', kind: 'credential', key: c.id });
    for (const a of current.acl) if (a.grantee === `member:${m.id}`) dropAcl(a);
    if (current.mous.some((mou) => mou.memberId === m.id)) dropMou(m.id);
    remove('member', m.id, { op: 'delete', kind: 'member', key: m.id });
  }
  for (const g of current.groups) {
    if (!g.managed || declared.groups.has(g.id)) continue;
    for (const a of current.acl) if (a.grantee === `group:${g.id}`) dropAcl(a);
    remove('group', g.id, { op: 'delete', kind: 'group', key: g.id });
  }
  return [...plan, ...deletions.values()];
}

/** One line per change, as `config plan` prints it. */
export function describePlan(plan: readonly PlannedChange[]): string[] {
  const sign = { create: '+', update: '~', delete: '-' } as const;
  const names: Record<DirectoryChange['kind'], string> = {
    apiRoot: 'api root',
    collection: 'collection',
    member: 'member',
    group: 'group',
    credential: 'credential',
    acl: 'acl',
    mou: 'mou',
    termsEpoch: 'providers\' terms epoch',
  };
  return plan.map((p) => `${sign[p.action]} ${names[p.kind]} ${p.key}${p.fields ? ` (${p.fields.join(', ')})` : ''}`);
}
