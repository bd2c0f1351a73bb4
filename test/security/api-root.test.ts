// Access matrix: GET /{api-root}/ (TAXII 2.1 §4.2).
import { callAs, errorShape, forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

describe('GET /hub/', () => {
  forEachAccessCase(
    () => m,
    () => ({ method: 'get', url: '/hub/' }),
    { ...NOT_LET_IN, otherMember: 404, readOnly: 200, writeOnly: 200, readWrite: 200, admin: 200 },
  );

  test('an API root the caller cannot use answers exactly like one that does not exist', async () => {
    const hidden = await callAs(m.app, 'otherMember', { method: 'get', url: '/hub/' });
    const missing = await callAs(m.app, 'otherMember', { method: 'get', url: '/no-such-root/' });
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(errorShape(hidden.text)).toEqual(errorShape(missing.text));
    const other = await callAs(m.app, 'readOnly', { method: 'get', url: '/isac/' });
    expect(other.status).toBe(404);
    expect(errorShape(other.text)).toEqual(errorShape(missing.text));
  });
});
