// TAXII status resources, kept for their retention period.

/** A stored TAXII status resource (§4.3.1), owned by the principal that posted. */
export interface StoredStatus {
  id: string;
  apiRoot: string;
  owner: string;
  /** Milliseconds since the epoch, used for retention. */
  createdAt: number;
  resource: Record<string, unknown>;
}

export interface StatusStore {
  saveStatus(status: StoredStatus): Promise<void>;
  getStatus(apiRoot: string, statusId: string): Promise<StoredStatus | undefined>;
  /** Removes statuses created before the given instant (milliseconds); returns how many. */
  purgeStatuses(createdBefore: number): Promise<number>;
}
