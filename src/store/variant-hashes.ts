// The SHA-256 of a transformed form (pseudonymised, stripped, redacted: src/sharing/transforms.ts),
// which both stores use as the form's key. One publish fans the same form out to many
// readers, so recent hashes are kept; the memory they hold is bounded in entries and in
// bytes (forms can be large), and the cache is simply emptied when either bound is reached.
import crypto from 'node:crypto';

const MAX_ENTRIES = 10_000;
const MAX_BYTES = 16 * 1024 * 1024;
/** Larger forms are hashed every time: hashing costs little next to storing them. */
const MAX_CACHED_FORM = 64 * 1024;

export class VariantHashes {
  private readonly hashes = new Map<string, string>();
  private bytes = 0;

  hashOf(json: string): string {
    const known = this.hashes.get(json);
    if (known !== undefined) return known;
    const hash = crypto.createHash('sha256').update(json).digest('base64url');
    if (json.length <= MAX_CACHED_FORM) {
      if (this.hashes.size >= MAX_ENTRIES || this.bytes + json.length > MAX_BYTES) {
        this.hashes.clear();
        this.bytes = 0;
      }
      this.hashes.set(json, hash);
      this.bytes += json.length;
    }
    return hash;
  }
}
