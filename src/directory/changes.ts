// Directory changes applied to an in-memory copy: every change (from the admin
// API, the CLI or `config apply`) is checked against the directory it would produce
// before the store is asked to make it, and the MongoDB store writes the result whole.
import { DIRECTORY_LISTS, type AclEntry, type DirectoryChange, type DirectoryData } from './records';

export function aclKey(entry: Pick<AclEntry, 'collectionId' | 'grantee'>): string {
  return `${entry.collectionId} ${entry.grantee}`;
}

function keyOf(kind: DirectoryChange['kind'], record: unknown): string {
  const r = record as Record<string, string>;
  if (kind === 'apiRoot') return r.path as string;
  if (kind === 'acl') return aclKey(record as AclEntry);
  if (kind === 'mou') return r.memberId as string;
  return r.id as string;
}

function changeKey(change: DirectoryChange): string {
  if (change.op === 'put') return keyOf(change.kind, change.record);
  return typeof change.key === 'string' ? change.key : aclKey(change.key);
}

/** The directory as it would be after `changes` (the input is not modified). */
export function applyInMemory(data: DirectoryData, changes: readonly DirectoryChange[]): DirectoryData {
  const next: DirectoryData = {
    revision: data.revision,
    apiRoots: [...data.apiRoots],
    collections: [...data.collections],
    members: [...data.members],
    groups: [...data.groups],
    credentials: [...data.credentials],
    acl: [...data.acl],
    mous: [...data.mous],
    termsEpochs: [...(data.termsEpochs ?? [])],
  };
  for (const change of changes) {
    const list = next[DIRECTORY_LISTS[change.kind]] as unknown[];
    const key = changeKey(change);
    const at = list.findIndex((r) => keyOf(change.kind, r) === key);
    if (change.op === 'put') {
      if (at >= 0) list[at] = change.record;
      else list.push(change.record);
    } else if (at >= 0) {
      list.splice(at, 1);
    }
  }
  return next;
}
