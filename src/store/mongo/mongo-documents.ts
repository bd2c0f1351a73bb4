// Documents that more than one part of the MongoDB store reads or writes (see
// mongo-indexes.ts for the field names and the indexes over them).

/** An object version as stored; `c` is its partition (a base collection or a reader's view). */
export interface ObjectDocument {
  c: string;
  oid: string;
  type: string;
  v: string;
  vk: string;
  sv: string;
  da: number;
  first: boolean;
  last: boolean;
  json: string;
  p?: string;
  bc?: string;
  bo?: string;
  var?: string;
}

/** Base versions of one write not yet distributed: `c`'s objects with date_added in [from, to]. */
export interface PendingDocument {
  _id: string;
  c: string;
  from: number;
  to: number;
}
