// Inserts that may be repeated: copies made again after a crash, records that are already
// there. Without transactions (FerretDB v1 has none) this is how a write is retried safely.
import type { Collection, Document } from 'mongodb';

/** insertMany where a document already stored (same _id) is not an error. */
export async function insertIgnoringDuplicates(collection: Collection<Document>, docs: object[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await collection.insertMany(docs as Document[], { ordered: false });
  } catch (e) {
    const errors = (e as { writeErrors?: Array<{ code: number }> | { code: number } }).writeErrors;
    const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
    if (list.length === 0 || list.some((w) => w.code !== 11000)) throw e;
  }
}
