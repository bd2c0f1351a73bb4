// Values the hub keeps across restarts and shares between its processes.

export interface SettingsStore {
  /**
   * A value kept across restarts (e.g. the cursor signing key); created by `make` on first
   * use. Processes racing to create it all get the one value stored.
   */
  getOrCreateSetting(key: string, make: () => string): Promise<string>;
  /** A value kept, or undefined when none was created. */
  getSetting(key: string): Promise<string | undefined>;
}
