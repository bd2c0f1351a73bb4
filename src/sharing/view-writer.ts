// The one place that knows how what members see is laid out in the store. Members whose
// decisions are the same form an audience class (access/audience-classes.ts); each class
// has a view partition per collection its members read and a feed partition (everything
// they may see from every collection), both holding the class's rows (derived-row.ts); and
// deferred decisions, per class, for what it may see later. Reads serve a member only its
// class's views (taxii-service.ts), so visibility is the query, and storage grows with the
// number of classes, not of members. Relationship closure asks the feed whether a class
// sees an object: it is kept whether or not the feed is served as a collection
// (sharing.feed_api_root).
import { setImmediate } from 'node:timers/promises';
import { feedPartition, viewPartition } from '../directory/hub-ids';
import type { AddToManyOptions, DeferredDecision, DistributionLedger, NewObjectVersion, ObjectStore, PartitionBatch, StoredVersion } from '../store/store';
import { versionKey } from '../vocabulary/time';
import { everyRow, rowsOfTypes, STORE_PAGE } from './partition-rows';

/** View rows written in one store write at most (unless one class's rows are more). */
const ROWS_PER_WRITE = 1000;

/** A row a member's view should hold, and the JSON it serves (the base JSON when the row holds ''). */
export interface WantedRow {
  row: NewObjectVersion;
  served: string;
}

/** The rows of one collection an audience class may see now. */
export interface VisibleRows {
  classId: string;
  collectionId: string;
  rows: NewObjectVersion[];
}

/** Where views are kept: by audience class, or (data files of earlier versions) by member. */
export interface ViewLayout {
  view(owner: string, collectionId: string): string;
  feed(owner: string): string;
}

export const CLASS_VIEWS: ViewLayout = { view: viewPartition, feed: feedPartition };

/** How replaceView and replaceFeed go about it. */
export interface ReplaceOptions {
  /**
   * When `wanted` began to be read from the base collections (microseconds): the view's
   * rows dated later are left as they are.
   */
  decidedAt: number;
  /** Where a view built anew starts from. */
  seed?: ViewSeed;
}

/** Views a new class's views start from: whose, and how they are laid out. */
export interface ViewSeed {
  owner: string;
  layout: ViewLayout;
}

/** The key of one version of one object in a view (what replaceView compares by). */
export function versionRowKey(objectId: string, key: string): string {
  return `${objectId} ${key}`;
}

export class ViewWriter {
  constructor(private readonly store: ObjectStore & DistributionLedger) {}

  /**
   * Adds each class's rows to its view of their collection and to its feed, in one store
   * transaction (one durable commit per publish step, not two per class) — or, when they are
   * more than ROWS_PER_WRITE rows (many classes), in several, with other requests served
   * between them. Each write is checked against the directory revision on its own.
   */
  async addVisible(visible: readonly VisibleRows[], write: AddToManyOptions = {}): Promise<void> {
    let batches: PartitionBatch[] = [];
    let rows = 0;
    for (const { classId, collectionId, rows: versions } of visible) {
      if (rows > 0 && rows + 2 * versions.length > ROWS_PER_WRITE) {
        await this.store.addObjectsToMany(batches, write);
        await setImmediate();
        batches = [];
        rows = 0;
      }
      batches.push({ partition: viewPartition(classId, collectionId), versions });
      batches.push({ partition: feedPartition(classId), versions });
      rows += 2 * versions.length;
    }
    if (batches.length > 0) await this.store.addObjectsToMany(batches, write);
  }

  /** Records decisions put off: embargoed versions and relationships waiting for their endpoints. */
  async defer(deferred: DeferredDecision[]): Promise<void> {
    if (deferred.length > 0) await this.store.addDeferred(deferred);
  }

  /** Forgets every decision put off for a class (its views are about to be recomputed, or dropped). */
  forgetDeferred(classId: string): Promise<void> {
    return this.store.clearDeferred(classId);
  }

  /** Which of these objects the class sees, from any collection (one query). */
  seenAmong(classId: string, objectIds: string[]): Promise<Set<string>> {
    return this.store.presentAmong(feedPartition(classId), objectIds);
  }

  /** Whether the class's feed holds anything (a class's views all feed it). */
  async holdsAny(classId: string): Promise<boolean> {
    return (await this.store.queryObjects({ partition: feedPartition(classId), versions: { all: true }, limit: 1, withJson: false })).records.length > 0;
  }

  /** Whether the class sees the object, from any collection. */
  sees(classId: string, objectId: string): Promise<boolean> {
    return this.store.hasObject(feedPartition(classId), objectId);
  }

  /** Every version in a class's view of a collection, read in full first. */
  rowsSeenIn(classId: string, collectionId: string): Promise<StoredVersion[]> {
    return rowsOfTypes(this.store, viewPartition(classId, collectionId));
  }

  /** Removes one version the class may no longer see from its view of the collection and its feed. */
  async withdraw(classId: string, collectionId: string, objectId: string, key: string): Promise<void> {
    await this.store.deleteObject(viewPartition(classId, collectionId), objectId, { first: false, last: false, exact: [key] });
    await this.store.deleteObject(feedPartition(classId), objectId, { first: false, last: false, exact: [key] });
  }

  /**
   * Removes deleted base versions from every class's view of the collection and feed, in
   * one atomic write; `objectIds` are every id they are served under.
   */
  async removeDeleted(deleted: { classIds: Iterable<string>; collectionId: string; objectIds: string[]; versionKeys: string[] }): Promise<void> {
    const { collectionId, objectIds, versionKeys } = deleted;
    const items = [...deleted.classIds].flatMap((classId) =>
      [viewPartition(classId, collectionId), feedPartition(classId)].flatMap((partition) =>
        objectIds.map((objectId) => ({ partition, objectId, versionKeys, baseCollection: collectionId })),
      ),
    );
    await this.store.deleteDerivedIn(items);
  }

  /**
   * Makes a class's view of a collection hold exactly `wanted` (keyed by versionRowKey). A
   * view built anew from `seed` (another class's, or a member's in an earlier layout) keeps
   * the date_added the seed gave each version it still holds in the same form.
   */
  replaceView(classId: string, collectionId: string, wanted: Map<string, WantedRow>, options: ReplaceOptions): Promise<void> {
    return this.replacePartition(viewPartition(classId, collectionId), wanted, options, options.seed?.layout.view(options.seed.owner, collectionId));
  }

  /** Makes a class's feed hold exactly `wanted` (keyed by versionRowKey); options as for replaceView. */
  replaceFeed(classId: string, wanted: Map<string, WantedRow>, options: ReplaceOptions): Promise<void> {
    return this.replacePartition(feedPartition(classId), wanted, options, options.seed?.layout.feed(options.seed.owner));
  }

  /** Deletes a class's views of these collections, its feed and its deferred decisions (a class nobody is in any more). */
  async drop(classId: string, collectionIds: Iterable<string>): Promise<void> {
    for (const c of collectionIds) await this.store.dropPartition(viewPartition(classId, c));
    await this.store.dropPartition(feedPartition(classId));
    await this.store.clearDeferred(classId);
  }

  /**
   * A member moved into class `classId` from class `fromClassId` (whose views it may have
   * polled up to their last date_added): every version of the new views it may not have
   * seen, but dated at or before what it may have polled, is added again with a new
   * date_added, so that an `added_after` poller misses nothing. The others in the class
   * get those versions once more (a repeat, never a miss). Returns how many were re-dated.
   */
  async catchUp(classId: string, fromClassId: string, collectionIds: Iterable<string>, from: ViewLayout = CLASS_VIEWS): Promise<number> {
    let redated = 0;
    for (const c of collectionIds) redated += await this.catchUpPartition(viewPartition(classId, c), from.view(fromClassId, c));
    redated += await this.catchUpPartition(feedPartition(classId), from.feed(fromClassId));
    return redated;
  }

  private async catchUpPartition(partition: string, seenPartition: string): Promise<number> {
    const seen = new Map<string, number>();
    let polledUpTo = -Infinity;
    for await (const row of everyRow(this.store, seenPartition)) {
      seen.set(versionRowKey(row.id, versionKey(row.version) as string), row.dateAdded);
      polledUpTo = Math.max(polledUpTo, row.dateAdded);
    }
    if (polledUpTo === -Infinity) return 0;
    const again: Array<{ id: string; versionKey: string }> = [];
    for await (const row of everyRow(this.store, partition)) {
      if (row.dateAdded > polledUpTo) break;
      const seenAt = seen.get(versionRowKey(row.id, versionKey(row.version) as string));
      // Seen there no later than it is dated here: a poller past it here was past it there.
      if (seenAt !== undefined && seenAt <= row.dateAdded) continue;
      again.push({ id: row.id, versionKey: versionKey(row.version) as string });
    }
    await this.store.redate(partition, again);
    return again.length;
  }

  /**
   * Adds what is wanted and missing, replaces changed forms, deletes the rest. An empty
   * partition with a seed first gets, in the seed's order and with the seed's date_added,
   * the wanted versions the seed holds in the same form: it never holds anything unwanted,
   * and a poller that followed the seed misses nothing of it.
   */
  private async replacePartition(partition: string, wanted: Map<string, WantedRow>, options: ReplaceOptions, seedPartition?: string): Promise<void> {
    const have = new Map<string, string>();
    // Rows written after `wanted` was read from the base collections came from publishes
    // decided under the same policy (another process's, or one queued meanwhile): kept.
    for await (const row of everyRow(this.store, partition)) {
      if (row.dateAdded <= options.decidedAt) have.set(versionRowKey(row.id, versionKey(row.version) as string), row.json ?? '');
    }
    if (have.size === 0 && seedPartition !== undefined) {
      let seeded: NewObjectVersion[] = [];
      for await (const row of everyRow(this.store, seedPartition)) {
        const key = versionRowKey(row.id, versionKey(row.version) as string);
        const w = wanted.get(key);
        if (w === undefined || w.served !== row.json) continue;
        seeded.push({ ...w.row, dateAdded: row.dateAdded });
        have.set(key, w.served);
        if (seeded.length >= STORE_PAGE) {
          await this.store.addObjects(partition, seeded);
          seeded = [];
        }
      }
      await this.store.addObjects(partition, seeded);
    }
    const add: NewObjectVersion[] = [];
    // Hidden and changed versions go first, in one write per page: what must go is gone
    // before anything is added.
    const remove: Array<{ id: string; versionKey: string }> = [];
    for (const [key, { row, served }] of wanted) {
      const current = have.get(key);
      if (current === undefined) add.push(row);
      else if (current !== served) {
        remove.push({ id: row.id, versionKey: row.versionKey as string });
        add.push(row);
      }
    }
    for (const key of have.keys()) {
      if (wanted.has(key)) continue;
      const [id, versionKey] = key.split(' ') as [string, string];
      remove.push({ id, versionKey });
    }
    for (let i = 0; i < remove.length; i += STORE_PAGE) await this.store.deleteVersions(partition, remove.slice(i, i + STORE_PAGE));
    for (let i = 0; i < add.length; i += STORE_PAGE) await this.store.addObjects(partition, add.slice(i, i + STORE_PAGE));
  }
}
