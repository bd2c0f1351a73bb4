// AuditRecorder: publish entries written at once; read entries buffered and flushed by
// time, by count and on close, in order.
import pino from 'pino';
import { AuditRecorder } from '../../src/audit/audit-recorder';
import { newTestStore } from '../helpers/test-store';
import type { Store } from '../../src/store/store';
import type { AuditEntry } from '../../src/directory/records';

const entry = (i: number): AuditEntry => ({ at: i, kind: 'read', action: 'objects.get', memberId: 'm', details: { returned: i } });

let store: Store;
beforeEach(async () => {
  store = await newTestStore();
});
afterEach(() => store.close());

const count = async () => (await store.queryAudit({ limit: 10_000 })).entries.length;

test('flushes when maxBuffered entries wait, in order', async () => {
  const r = new AuditRecorder(store, pino({ level: 'silent' }), { flushIntervalMs: 60_000, maxBuffered: 10 });
  for (let i = 0; i < 25; i++) r.recordLater(entry(i));
  await r.flush();
  const { entries } = await store.queryAudit({ limit: 100 });
  expect(entries.map((e) => e.at)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  await r.close();
});

test('flushes after the interval', async () => {
  const r = new AuditRecorder(store, pino({ level: 'silent' }), { flushIntervalMs: 20 });
  r.recordLater(entry(1));
  expect(await count()).toBe(0);
  await new Promise((res) => setTimeout(res, 80));
  expect(await count()).toBe(1);
  await r.close();
});

test('recordNow writes at once; after close, late entries are written at once', async () => {
  const r = new AuditRecorder(store, pino({ level: 'silent' }));
  await r.recordNow({ ...entry(1), kind: 'publish', action: 'objects.add' });
  expect(await count()).toBe(1);
  await r.close();
  r.recordLater(entry(2));
  // Written without waiting for a flush (the default interval is a second; a store over
  // the network takes a few round trips): it is there well before that.
  const started = Date.now();
  while ((await count()) < 2 && Date.now() - started < 900) await new Promise((res) => setTimeout(res, 10));
  expect(await count()).toBe(2);
});

test('a failing store loses the batch but throws nothing', async () => {
  const r = new AuditRecorder(store, pino({ level: 'silent' }));
  r.recordLater(entry(1));
  await store.close();
  await expect(r.flush()).resolves.toBeUndefined();
  await expect(r.recordNow(entry(2))).resolves.toBeUndefined();
  store = await newTestStore();
});
