// Settings in the MongoDB store: `{_id: key, value}`, never overwritten once created.
import type { Collection, Document } from 'mongodb';
import type { SettingsStore } from '../settings-store';

export class MongoSettings implements SettingsStore {
  constructor(private readonly settings: Collection<Document>) {}

  async getSetting(key: string): Promise<string | undefined> {
    return ((await this.settings.findOne({ _id: key } as Document))?.value as string | undefined) ?? undefined;
  }

  async getOrCreateSetting(key: string, make: () => string): Promise<string> {
    const existing = await this.settings.findOne({ _id: key } as Document);
    if (existing) return existing.value as string;
    try {
      await this.settings.updateOne({ _id: key } as Document, { $setOnInsert: { value: make() } }, { upsert: true });
    } catch (e) {
      // Another process created it between our read and our upsert.
      if ((e as { code?: number }).code !== 11000) throw e;
    }
    // Re-read: another process may have won the race; everyone uses the stored value.
    return (await this.settings.findOne({ _id: key } as Document))?.value as string;
  }
}
