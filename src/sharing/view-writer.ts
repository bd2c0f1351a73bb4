// The one place that knows how what members see is laid out in the store: each member has
// a view partition per collection it may read and a feed partition (everything it may see
// from every collection), both holding the member's rows (derived-row.ts); and deferred
// decisions, per member, for what it may see later. Reads serve a member only its views
// (taxii-service.ts), so visibility is the query. Relationship closure asks the feed
// whether a member sees an object: it is kept whether or not the feed is served as a
// collection (sharing.feed_api_root).
import { feedCollectionId, viewPartition } from '../directory/hub-ids';
import type { AddToManyOptions, DeferredDecision, DistributionLedger, NewObjectVersion, ObjectStore, PartitionBatch, StoredVersion } from '../store/store';
import { versionKey } from '../vocabulary/time';
import { SRO_TYPES } from './base-versions';
import { everyRow, rowsOfTypes, STORE_PAGE } from './partition-rows';

/** A row a member's view should hold, and the JSON it serves (the base JSON when the row holds ''). */
export interface WantedRow {
  row: NewObjectVersion;
  served: string;
}

/** The rows of one collection a reader may see now. */
export interface VisibleRows {
  readerId: string;
  collectionId: string;
  rows: NewObjectVersion[];
}

/** The key of one version of one object in a view (what replaceView compares by). */
export function versionRowKey(objectId: string, key: string): string {
  return `${objectId} ${key}`;
}

export class ViewWriter {
  constructor(private readonly store: ObjectStore & DistributionLedger) {}

  /**
   * Adds each reader's rows to its view of their collection and to its feed, in one store
   * transaction (one durable commit per publish, not two per reader).
   */
  async addVisible(visible: readonly VisibleRows[], write: AddToManyOptions = {}): Promise<void> {
    if (visible.length === 0) return;
    const batches: PartitionBatch[] = [];
    for (const { readerId, collectionId, rows } of visible) {
      batches.push({ partition: viewPartition(readerId, collectionId), versions: rows });
      batches.push({ partition: this.feedOf(readerId), versions: rows });
    }
    await this.store.addObjectsToMany(batches, write);
  }

  /** Records decisions put off: embargoed versions and relationships waiting for their endpoints. */
  async defer(deferred: DeferredDecision[]): Promise<void> {
    if (deferred.length > 0) await this.store.addDeferred(deferred);
  }

  /** Forgets every decision put off for a member (its views are about to be recomputed). */
  forgetDeferred(memberId: string): Promise<void> {
    return this.store.clearDeferred(memberId);
  }

  /** Which of these objects the member sees, from any collection (one query). */
  seenAmong(memberId: string, objectIds: string[]): Promise<Set<string>> {
    return this.store.presentAmong(this.feedOf(memberId), objectIds);
  }

  /** Whether the member sees the object, from any collection. */
  sees(memberId: string, objectId: string): Promise<boolean> {
    return this.store.hasObject(this.feedOf(memberId), objectId);
  }

  /** The relationships and sightings in a member's view of a collection, read in full first. */
  relationshipsSeenIn(memberId: string, collectionId: string): Promise<StoredVersion[]> {
    return rowsOfTypes(this.store, viewPartition(memberId, collectionId), [...SRO_TYPES]);
  }

  /** Removes one version the member may no longer see from its view of the collection and its feed. */
  async withdraw(memberId: string, collectionId: string, objectId: string, key: string): Promise<void> {
    await this.store.deleteObject(viewPartition(memberId, collectionId), objectId, { first: false, last: false, exact: [key] });
    await this.store.deleteObject(this.feedOf(memberId), objectId, { first: false, last: false, exact: [key] });
  }

  /**
   * Removes deleted base versions from every member's view of the collection and feed, in
   * one atomic write; `objectIds` are every id they are served under.
   */
  async removeDeleted(deleted: { memberIds: Iterable<string>; collectionId: string; objectIds: string[]; versionKeys: string[] }): Promise<void> {
    const { collectionId, objectIds, versionKeys } = deleted;
    const items = [...deleted.memberIds].flatMap((memberId) =>
      [viewPartition(memberId, collectionId), this.feedOf(memberId)].flatMap((partition) =>
        objectIds.map((objectId) => ({ partition, objectId, versionKeys, baseCollection: collectionId })),
      ),
    );
    await this.store.deleteDerivedIn(items);
  }

  /** Makes a member's view of a collection hold exactly `wanted` (keyed by versionRowKey). */
  replaceView(memberId: string, collectionId: string, wanted: Map<string, WantedRow>): Promise<void> {
    return this.replacePartition(viewPartition(memberId, collectionId), wanted);
  }

  /** Makes a member's feed hold exactly `wanted` (keyed by versionRowKey). */
  replaceFeed(memberId: string, wanted: Map<string, WantedRow>): Promise<void> {
    return this.replacePartition(this.feedOf(memberId), wanted);
  }

  /** Adds what is wanted and missing, replaces changed forms, deletes the rest. */
  private async replacePartition(partition: string, wanted: Map<string, WantedRow>): Promise<void> {
    const have = new Map<string, string>();
    for await (const row of everyRow(this.store, partition)) have.set(versionRowKey(row.id, versionKey(row.version) as string), row.json ?? '');
    const add: NewObjectVersion[] = [];
    for (const [key, { row, served }] of wanted) {
      const current = have.get(key);
      if (current === undefined) add.push(row);
      else if (current !== served) {
        await this.store.deleteObject(partition, row.id, { first: false, last: false, exact: [row.versionKey as string] });
        add.push(row);
      }
    }
    for (const key of have.keys()) {
      if (wanted.has(key)) continue;
      const [id, vk] = key.split(' ') as [string, string];
      await this.store.deleteObject(partition, id, { first: false, last: false, exact: [vk] });
    }
    for (let i = 0; i < add.length; i += STORE_PAGE) await this.store.addObjects(partition, add.slice(i, i + STORE_PAGE));
  }

  private feedOf(memberId: string): string {
    return viewPartition(memberId, feedCollectionId(memberId));
  }
}
