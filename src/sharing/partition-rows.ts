// Reading a whole store partition (a base collection or a member's view) a page at a time.
import type { ObjectStore, StoredVersion } from '../store/store';

/** How many rows distribution reads or writes per store call. */
export const STORE_PAGE = 1000;

/** Every version in a partition, in date_added order, a page at a time. */
export async function* everyRow(store: ObjectStore, partition: string): AsyncGenerator<StoredVersion> {
  let after: number | undefined;
  for (;;) {
    const page = await store.queryObjects({
      partition,
      versions: { all: true },
      limit: STORE_PAGE,
      withJson: true,
      ...(after !== undefined ? { after } : {}),
    });
    for (const r of page.records) yield r;
    if (!page.more) return;
    after = page.records[page.records.length - 1]?.dateAdded;
  }
}

/**
 * Every version in a partition (of these types, when given), read in full before the first
 * is returned, so that the caller may delete from the partition while it goes through them.
 */
export async function rowsOfTypes(store: ObjectStore, partition: string, types?: string[]): Promise<StoredVersion[]> {
  const rows: StoredVersion[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.queryObjects({ partition, ...(types !== undefined ? { types } : {}), versions: { all: true }, limit: STORE_PAGE, withJson: true, ...(after !== undefined ? { after } : {}) });
    rows.push(...page.records);
    if (!page.more) break;
    after = page.records[page.records.length - 1]?.dateAdded;
  }
  return rows;
}
