// Access matrix: GET /taxii2/ (TAXII 2.1 §4.1).
import { forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

describe('GET /taxii2/', () => {
  forEachAccessCase(
    () => m,
    () => ({ method: 'get', url: '/taxii2/' }),
    { ...NOT_LET_IN, otherMember: 200, readOnly: 200, writeOnly: 200, readWrite: 200, admin: 200 },
    (res, c) => {
      if (res.status !== 200) return;
      const roots = (JSON.parse(res.text) as { api_roots?: string[] }).api_roots;
      // Only the API roots the caller can use are advertised.
      if (c === 'otherMember') expect(roots).toEqual(['/isac/']);
      else if (c === 'admin') expect(roots).toEqual(['/hub/', '/isac/']);
      else expect(roots).toEqual(['/hub/']);
    },
  );
});
