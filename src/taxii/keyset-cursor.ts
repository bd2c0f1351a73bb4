// `next` cursors (TAXII 2.1 §3.4, App. B: never trust what a client sends back).
// A cursor is the keyset position (the last date_added returned) plus an HMAC over that
// position and the request's scope: who asks, which collection and object, which
// filters. A cursor from another member, collection, endpoint or filter set, or one
// that was edited, fails the HMAC check and is refused with a 400.
import crypto from 'node:crypto';
import { badRequest } from './taxii-error';

export class KeysetCursor {
  constructor(private readonly key: Buffer) {}

  encode(scope: string, afterMicros: number): string {
    const position = afterMicros.toString(36);
    return `${position}.${this.sign(scope, position)}`;
  }

  /** Returns the keyset position, or throws a 400 for any cursor not issued for this scope. */
  decode(scope: string, cursor: string): number {
    const m = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
    if (m) {
      const position = m[1] as string;
      const expected = Buffer.from(this.sign(scope, position));
      const actual = Buffer.from(m[2] as string);
      if (expected.length === actual.length && crypto.timingSafeEqual(expected, actual)) {
        return parseInt(position, 36);
      }
    }
    throw badRequest('The next parameter is not a cursor this server issued for this request; restart paging without it.');
  }

  private sign(scope: string, position: string): string {
    return crypto.createHmac('sha256', this.key).update(scope).update('\u0000').update(position).digest().subarray(0, 16).toString('base64url');
  }
}
