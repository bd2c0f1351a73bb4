import crypto from 'node:crypto';
import { VariantHashes } from '../../src/store/variant-hashes';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');

describe('VariantHashes', () => {
  test('the hash of a form is its SHA-256, cached or not, small or large', () => {
    const hashes = new VariantHashes();
    const small = '{"type":"indicator","name":"a"}';
    const large = JSON.stringify({ type: 'note', content: 'x'.repeat(200_000) });
    for (let i = 0; i < 3; i++) {
      expect(hashes.hashOf(small)).toBe(sha256(small));
      expect(hashes.hashOf(large)).toBe(sha256(large));
    }
  });

  test('memory stays bounded: many distinct large forms keep at most 16 MB of keys', () => {
    const hashes = new VariantHashes();
    const inner = hashes as unknown as { hashes: Map<string, string>; bytes: number };
    for (let i = 0; i < 1000; i++) {
      const form = `${i}:${'y'.repeat(60 * 1024)}`;
      expect(hashes.hashOf(form)).toBe(sha256(form));
      expect(inner.bytes).toBeLessThanOrEqual(16 * 1024 * 1024);
      expect(inner.hashes.size).toBeLessThanOrEqual(10_000);
    }
    expect(inner.hashes.size).toBeGreaterThan(0);
  });
});
