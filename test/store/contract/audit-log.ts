// Storage contract: the audit log.
import type { Store } from '../../../src/store/store';
import type { AuditEntry } from '../../../src/directory/records';
import { COLLECTION, OTHER_COLLECTION, type ContractSubject } from './fixtures';

export function auditLogContract(subject: ContractSubject): void {
  let store: Store;
  beforeEach(() => {
    store = subject.current();
  });

  describe('audit log', () => {
    const entry = (at: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({ at, kind: 'read', action: 'objects.get', memberId: 'ohio', ...extra });

    test('entries written with a directory change are in the log, with increasing seq', async () => {
      await store.applyDirectoryChanges([], [entry(1, { kind: 'admin', action: 'member.create', details: { member: 'ohio' } })], 0);
      await store.appendAudit([entry(2), entry(3, { memberId: 'michigan', collectionId: COLLECTION, credentialPrefix: 'concord_x', requestId: 'r-1', source: '127.0.0.1', apiRoot: 'hub' })]);
      const { entries, more } = await store.queryAudit({ limit: 10 });
      expect(more).toBe(false);
      expect(entries.map((e) => e.at)).toEqual([1, 2, 3]);
      const seqs = entries.map((e) => e.seq as number);
      expect(seqs[0]).toBeLessThan(seqs[1] as number);
      expect(seqs[1]).toBeLessThan(seqs[2] as number);
      expect(entries[0]).toEqual({ seq: seqs[0], at: 1, kind: 'admin', action: 'member.create', memberId: 'ohio', details: { member: 'ohio' } });
      expect(entries[2]).toEqual({ seq: seqs[2], ...entry(3, { memberId: 'michigan', collectionId: COLLECTION, credentialPrefix: 'concord_x', requestId: 'r-1', source: '127.0.0.1', apiRoot: 'hub' }) });
    });

    test('filters combine (AND) and pages are keyset by seq', async () => {
      const entries: AuditEntry[] = [];
      for (let i = 0; i < 30; i++) {
        entries.push(entry(1000 + i, { kind: i % 3 === 0 ? 'publish' : 'read', memberId: i % 2 === 0 ? 'ohio' : 'indiana', collectionId: i % 5 === 0 ? OTHER_COLLECTION : COLLECTION }));
      }
      await store.appendAudit(entries);
      const wanted = entries.filter((e) => e.kind === 'read' && e.memberId === 'ohio' && e.collectionId === COLLECTION && e.at >= 1004 && e.at < 1026);
      const seen: AuditEntry[] = [];
      let after: number | undefined;
      for (;;) {
        const page = await store.queryAudit({ kind: 'read', memberId: 'ohio', collectionId: COLLECTION, since: 1004, until: 1026, limit: 2, ...(after !== undefined ? { afterSeq: after } : {}) });
        seen.push(...page.entries);
        if (!page.more) break;
        after = page.entries[page.entries.length - 1]?.seq;
      }
      expect(seen.map((e) => e.at)).toEqual(wanted.map((e) => e.at));
      expect((await store.queryAudit({ action: 'objects.get', limit: 100 })).entries).toHaveLength(30);
      expect((await store.queryAudit({ action: 'nothing', limit: 100 })).entries).toHaveLength(0);
    });
  });
}
