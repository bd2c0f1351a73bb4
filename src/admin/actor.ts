/** Who makes a change, for the audit log. */
export interface Actor {
  memberId: string;
  credentialPrefix?: string;
  requestId?: string;
  source?: string;
}
