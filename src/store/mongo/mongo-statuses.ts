// TAXII status resources in the MongoDB store. `createdAtDate` exists for the TTL index
// (mongo-indexes.ts); purgeStatuses reads `createdAt`, where a server has no TTL.
import type { Collection, Document } from 'mongodb';
import type { StatusStore, StoredStatus } from '../status-store';

export class MongoStatuses implements StatusStore {
  constructor(private readonly statuses: Collection<Document>) {}

  async saveStatus(status: StoredStatus): Promise<void> {
    await this.statuses.updateOne(
      { _id: status.id } as Document,
      {
        $set: { resource: JSON.stringify(status.resource) },
        $setOnInsert: { apiRoot: status.apiRoot, owner: status.owner, createdAt: status.createdAt, createdAtDate: new Date(status.createdAt) },
      },
      { upsert: true },
    );
  }

  async getStatus(apiRoot: string, statusId: string): Promise<StoredStatus | undefined> {
    const d = await this.statuses.findOne({ _id: statusId, apiRoot } as Document);
    if (!d) return undefined;
    return {
      id: d._id as unknown as string,
      apiRoot: d.apiRoot as string,
      owner: d.owner as string,
      createdAt: d.createdAt as number,
      resource: JSON.parse(d.resource as string) as Record<string, unknown>,
    };
  }

  async purgeStatuses(createdBefore: number): Promise<number> {
    return (await this.statuses.deleteMany({ createdAt: { $lt: createdBefore } })).deletedCount;
  }
}
