// Settings in the embedded store: one row per key, never overwritten once created.
import type Database from 'better-sqlite3';
import type { SettingsStore } from '../settings-store';

export class SqliteSettings implements SettingsStore {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      insert: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    };
  }

  async getSetting(key: string): Promise<string | undefined> {
    return this.statements.get.get(key) as string | undefined;
  }

  async getOrCreateSetting(key: string, make: () => string): Promise<string> {
    const existing = this.statements.get.get(key) as string | undefined;
    if (existing !== undefined) return existing;
    this.statements.insert.run(key, make());
    // Re-read: another process may have won the race; everyone uses the stored value.
    return this.statements.get.get(key) as string;
  }
}
