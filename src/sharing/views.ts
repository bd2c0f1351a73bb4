// Where each member's visible objects live in the store: one partition per member and
// collection (its view), written by the distributor and read by the TAXII layer.
export function viewOf(memberId: string, collectionId: string): string {
  return `view:${memberId}:${collectionId}`;
}
