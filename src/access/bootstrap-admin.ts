// A fresh server with no users configured gets one admin, so that the quick start works
// with nothing to set up. Its password and token are random, printed once at first start,
// and only their hashes are kept (in the store). CONCORD_ADMIN_PASSWORD/CONCORD_ADMIN_TOKEN
// set them instead (containers, scripted tests); those are never stored.
import type { UserConfig } from '../config';
import type { Store } from '../store/store';
import { hashPassword, hashToken, newPassword, newToken } from './secrets';

export const BOOTSTRAP_USERNAME = 'admin';

export interface BootstrapAdmin {
  user: UserConfig;
  /** The clear credentials, when this start created them (to be shown once). */
  created?: { username: string; password: string; token: string };
}

export async function bootstrapAdmin(store: Store, given: { password?: string; token?: string }): Promise<BootstrapAdmin> {
  const user = (passwordScrypt: string, tokenSha256: string): UserConfig => ({
    id: 'bootstrap-admin',
    admin: true,
    username: BOOTSTRAP_USERNAME,
    passwordScrypt,
    tokenSha256: [tokenSha256],
    collections: {},
  });
  if (given.password !== undefined || given.token !== undefined) {
    const password = given.password ?? newPassword();
    const token = given.token ?? newToken();
    return { user: user(hashPassword(password), hashToken(token)) };
  }
  let created: BootstrapAdmin['created'];
  let madeHere = '';
  const stored = await store.getOrCreateSetting('bootstrap_admin', () => {
    const password = newPassword();
    const token = newToken();
    created = { username: BOOTSTRAP_USERNAME, password, token };
    madeHere = JSON.stringify({ password_scrypt: hashPassword(password), token_sha256: hashToken(token) });
    return madeHere;
  });
  const { password_scrypt, token_sha256 } = JSON.parse(stored) as { password_scrypt: string; token_sha256: string };
  return { user: user(password_scrypt, token_sha256), ...(created && stored === madeHere ? { created } : {}) };
}
