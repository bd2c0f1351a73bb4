// Reading objects from the MongoDB store: the filter of TAXII 2.1 §3.4.1 `match[…]`, one
// keyset page, and the JSON a derived row serves.
import type { Collection, Document, Filter } from 'mongodb';
import type { ObjectQuery, QueryPage, StoredVersion, VersionSelector } from '../object-store';
import type { ObjectDocument } from './mongo-documents';

/**
 * The filter for a partition's versions selected by `match[version]` and `match[spec_version]`;
 * undefined when the selector selects nothing.
 */
export function objectFilter(partition: string, versions: VersionSelector, specVersions?: string[]): Filter<Document> | undefined {
  const filter: Filter<Document> = { c: partition };
  if (specVersions) filter.sv = { $in: specVersions };
  if (versions.all) return filter;
  const alternatives: Document[] = [];
  if (versions.first) alternatives.push({ first: true });
  if (versions.last) alternatives.push({ last: true });
  if (versions.exact.length > 0) alternatives.push({ vk: { $in: versions.exact } });
  if (alternatives.length === 0) return undefined;
  // A single alternative goes in the filter itself, so that (c, last, da) serves the default query.
  if (alternatives.length === 1) Object.assign(filter, alternatives[0]);
  else filter.$or = alternatives;
  return filter;
}

export async function queryObjectPage(objects: Collection<Document>, variants: Collection<Document>, q: ObjectQuery): Promise<QueryPage> {
  const filter = objectFilter(q.partition, q.versions, q.specVersions);
  if (!filter) return { records: [], more: false };
  const lowerBound = Math.max(q.addedAfter ?? -Infinity, q.after ?? -Infinity);
  if (Number.isFinite(lowerBound)) filter.da = { $gt: lowerBound };
  if (q.ids) filter.oid = { $in: q.ids };
  // Types are ORed; MongoDB merges one (c, type, da) range per type in date_added order.
  if (q.types) filter.type = { $in: [...new Set(q.types)] };
  const projection: Document = { _id: 0, oid: 1, type: 1, v: 1, sv: 1, da: 1, p: 1 };
  if (q.withJson) Object.assign(projection, { json: 1, vk: 1, bc: 1, var: 1 });
  const docs = (await objects.find(filter, { projection }).sort({ da: 1 }).limit(q.limit + 1).toArray()) as unknown as ObjectDocument[];
  const more = docs.length > q.limit;
  const page = docs.slice(0, q.limit);
  if (q.withJson) await resolveJson(objects, variants, page);
  const records: StoredVersion[] = page.map((d) => ({
    id: d.oid,
    type: d.type,
    version: d.v,
    specVersion: d.sv,
    dateAdded: d.da,
    ...(d.p !== undefined && d.p !== null ? { provider: d.p } : {}),
    ...(q.withJson ? { json: d.json } : {}),
  }));
  return { records, more };
}

/**
 * A derived (per-reader) row without JSON of its own serves its base row's, or its stored
 * variant: looked up in one query each for the page (no $lookup: FerretDB v1 has none).
 */
async function resolveJson(objects: Collection<Document>, variants: Collection<Document>, page: ObjectDocument[]): Promise<void> {
  const fromBase = page.filter((d) => d.json === '' && d.var === undefined && d.bc !== undefined);
  const fromVariant = page.filter((d) => d.json === '' && d.var !== undefined);
  if (fromBase.length > 0) {
    const base = await objects
      .find({ $or: fromBase.map((d) => ({ c: d.bc, oid: d.oid, vk: d.vk })) }, { projection: { _id: 0, c: 1, oid: 1, vk: 1, json: 1 } })
      .toArray();
    const byKey = new Map(base.map((b) => [`${b.c as string}\u0000${b.oid as string}\u0000${b.vk as string}`, b.json as string]));
    for (const d of fromBase) d.json = byKey.get(`${d.bc as string}\u0000${d.oid}\u0000${d.vk}`) ?? '';
  }
  if (fromVariant.length > 0) {
    const hashes = [...new Set(fromVariant.map((d) => d.var as string))];
    const forms = await variants.find({ _id: { $in: hashes } } as Document).toArray();
    const byHash = new Map(forms.map((f) => [f._id as unknown as string, f.json as string]));
    for (const d of fromVariant) d.json = byHash.get(d.var as string) ?? '';
  }
}
