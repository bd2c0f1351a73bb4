// Access matrix: GET /{api-root}/collections/ (TAXII 2.1 §5.1).
import { FEED, HIDDEN, SHARED } from '../helpers/test-app';
import { forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

describe('GET /hub/collections/', () => {
  forEachAccessCase(
    () => m,
    () => ({ method: 'get', url: '/hub/collections/' }),
    { ...NOT_LET_IN, otherMember: 404, readOnly: 200, writeOnly: 200, readWrite: 200, admin: 200 },
    (res, c) => {
      if (res.status !== 200) return;
      const ids = ((JSON.parse(res.text) as { collections?: Array<{ id: string }> }).collections ?? []).map((x) => x.id);
      const expected: Record<string, string[]> = {
        readOnly: [SHARED, FEED],
        writeOnly: [SHARED],
        readWrite: [SHARED, FEED],
        admin: [SHARED, FEED, HIDDEN],
      };
      expect(ids.sort()).toEqual((expected[c] ?? []).sort());
    },
  );
});
