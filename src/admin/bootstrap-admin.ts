// A fresh hub gets its operator: the member `hub` and one admin credential pair, so that
// the quick start works with nothing to set up. The password and token are random,
// printed once at first start, and only their hashes are kept (in the directory).
// CONCORD_ADMIN_PASSWORD / CONCORD_ADMIN_TOKEN give the admin credentials instead
// (containers, scripted tests); those are held in memory only, never stored.
import crypto from 'node:crypto';
import type { AdminService } from './admin-service';
import { HUB_MEMBER_ID } from '../directory/hub-ids';
import type { CredentialRecord } from '../directory/records';
import type { Store } from '../store/store';
import { hashPassword, hashToken } from '../access/secrets';

export const BOOTSTRAP_USERNAME = 'admin';
const ACTOR = { memberId: HUB_MEMBER_ID, source: 'bootstrap' };

export interface BootstrapAdmin {
  /** In-memory credentials (from the environment). */
  extra: CredentialRecord[];
  /** The clear credentials, when this start created them (to be shown once). */
  created?: { username: string; password: string; token: string };
}

function envCredential(kind: 'token' | 'password', secret: string): CredentialRecord {
  return {
    id: `bootstrap-${kind}`,
    memberId: HUB_MEMBER_ID,
    kind,
    role: 'admin',
    prefix: kind === 'token' ? 'env:CONCORD_ADMIN_TOKEN' : BOOTSTRAP_USERNAME,
    ...(kind === 'password' ? { username: BOOTSTRAP_USERNAME } : {}),
    secretHash: kind === 'token' ? hashToken(secret) : hashPassword(secret),
    label: 'bootstrap admin (environment)',
    createdAt: Date.now(),
  };
}

/** The admin credentials the environment gives: in memory, so known before anything is written. */
export function envCredentials(given: { password?: string; token?: string }): CredentialRecord[] {
  return [
    ...(given.token !== undefined ? [envCredential('token', given.token)] : []),
    ...(given.password !== undefined ? [envCredential('password', given.password)] : []),
  ];
}

export async function bootstrapAdmin(
  admin: Pick<AdminService, 'directory' | 'members' | 'credentials'>,
  store: Store,
  given: { password?: string; token?: string },
): Promise<BootstrapAdmin> {
  const directory = await admin.directory.snapshot();
  if (!directory.members.has(HUB_MEMBER_ID)) {
    await admin.members.create(ACTOR, { id: HUB_MEMBER_ID, name: 'Hub operator', groups: [], status: 'active' });
  }
  if (given.password !== undefined || given.token !== undefined) return { extra: envCredentials(given) };
  const hasAdmin = [...(await admin.directory.snapshot()).credentials.values()].some((c) => c.role === 'admin' && c.revokedAt === undefined);
  if (hasAdmin) return { extra: [] };
  // Another process may be bootstrapping the same store: the setting decides who does.
  const claim = crypto.randomUUID();
  if ((await store.getOrCreateSetting('bootstrap_claim', () => claim)) !== claim) return { extra: [] };
  const { password } = await admin.credentials.addPassword(ACTOR, HUB_MEMBER_ID, { role: 'admin', username: BOOTSTRAP_USERNAME, label: 'bootstrap admin' });
  const { token } = await admin.credentials.issueToken(ACTOR, HUB_MEMBER_ID, { role: 'admin', label: 'bootstrap admin' });
  return { extra: [], created: { username: BOOTSTRAP_USERNAME, password, token } };
}
