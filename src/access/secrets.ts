// Password and token hashing. Secrets are never stored or compared in clear:
// passwords with scrypt, API tokens (high-entropy random strings) with SHA-256.
import crypto from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

/** `scrypt$N$r$p$<salt b64>$<hash b64>` */
export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time check of a password against a `hashPassword` string; false for a malformed hash. */
export function verifyPassword(password: string, encoded: string): boolean {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] as string, 'base64');
  const expected = Buffer.from(parts[5] as string, 'base64');
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p) || expected.length === 0) return false;
  const actual = crypto.scryptSync(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r });
  return crypto.timingSafeEqual(actual, expected);
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new API token: a visible prefix to tell tokens apart in logs and lists, then 256 random bits. */
export function newToken(): string {
  return `concord_${crypto.randomBytes(32).toString('base64url')}`;
}

/** The visible part of a token, enough to tell tokens apart in lists and logs. */
export const TOKEN_PREFIX_LENGTH = 16;
/** What `newToken` makes: `concord_` and 32 bytes in base64url (43 characters). */
const TOKEN_FORMAT = /^concord_[A-Za-z0-9_-]{43}$/;

/**
 * The public prefix of a token in `newToken`'s format (the one credential lists and audit
 * entries show), or undefined for any other string: tokens given as digests in directory
 * files or CONCORD_ADMIN_TOKEN may have any form, and have no prefix to go by.
 */
export function tokenPrefix(token: string): string | undefined {
  return TOKEN_FORMAT.test(token) ? token.slice(0, TOKEN_PREFIX_LENGTH) : undefined;
}

export function newPassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}
