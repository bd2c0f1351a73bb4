// `npx ts-node --transpile-only bench/audit-bench.ts`: what one audit insert costs per
// TAXII read. Over a file-backed SQLite store (WAL, synchronous=FULL, as served), it times
// a GET objects/ page (limit 100) read from the store alone, the same read followed by one
// synchronous audit insert (its own transaction: one fsync), and the same read with the
// entry buffered and flushed 500 at a time (src/audit/audit-recorder.ts). Figures, not pass/fail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import type { AuditEntry } from '../src/directory/records';
import { versionKey } from '../src/vocabulary/time';

const READS = Number(process.env.BENCH_READS ?? 2000);
const COLLECTION = '0b6f6c2e-6f0e-4c3b-9d0a-8f1e2d3c4b5a';

function entry(i: number): AuditEntry {
  return {
    at: Date.now(),
    kind: 'read',
    action: 'objects.get',
    memberId: 'bench',
    credentialPrefix: 'bench-token-0',
    requestId: `req-${i}`,
    source: '127.0.0.1',
    apiRoot: 'hub',
    collectionId: COLLECTION,
    details: { endpoint: 'objects', returned: 100 },
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-audit-bench-'));
  const store = new SqliteStore(path.join(dir, 'concord.db'));
  try {
    await store.applyDirectoryChanges(
      [
        { op: 'put', kind: 'apiRoot', record: { path: 'hub', title: 'Hub', maxContentLength: 1_000_000 } },
        {
          op: 'put',
          kind: 'collection',
          record: { id: COLLECTION, apiRoot: 'hub', title: 'Bench', mediaTypes: ['application/stix+json;version=2.1'], validation: 'standard', allowCustom: true },
        },
      ],
      [],
      await store.directoryRevision(),
    );
    const objects = Array.from({ length: 1000 }, (_, i) => {
      const id = `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const version = '2024-01-01T00:00:00.000Z';
      return { id, type: 'indicator', version, versionKey: versionKey(version), specVersion: '2.1', json: JSON.stringify({ id, type: 'indicator', modified: version }) };
    });
    await store.addObjects(COLLECTION, objects);
    const read = () => store.queryObjects({ partition: COLLECTION, versions: { first: false, last: true, exact: [] }, limit: 100, withJson: true });

    const time = async (label: string, body: (i: number) => Promise<void>): Promise<number> => {
      for (let i = 0; i < 100; i++) await body(i); // warm-up
      const start = process.hrtime.bigint();
      for (let i = 0; i < READS; i++) await body(i);
      const usPerRead = Number(process.hrtime.bigint() - start) / 1000 / READS;
      console.log(`${label.padEnd(40)} ${usPerRead.toFixed(1).padStart(8)} µs/read`);
      return usPerRead;
    };
    const base = await time('read only', async () => {
      await read();
    });
    const sync = await time('read + 1 synchronous insert', async (i) => {
      await read();
      await store.appendAudit([entry(i)]);
    });
    let buffer: AuditEntry[] = [];
    const batched = await time('read + buffered (flush every 500)', async (i) => {
      await read();
      buffer.push(entry(i));
      if (buffer.length >= 500) {
        const batch = buffer;
        buffer = [];
        await store.appendAudit(batch);
      }
    });
    console.log(
      `synchronous insert: +${(sync - base).toFixed(1)} µs/read (${((sync / base - 1) * 100).toFixed(0)}%); ` +
        `buffered: +${(batched - base).toFixed(1)} µs/read (${((batched / base - 1) * 100).toFixed(0)}%)`,
    );
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
