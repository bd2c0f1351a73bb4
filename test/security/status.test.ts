// Access matrix: GET /{api-root}/status/{status-id}/ (TAXII 2.1 §4.3): only the member
// that posted may read a status; for everybody else it does not exist.
import { callAs, errorShape, forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

const MISSING = '99999999-9999-4999-8999-999999999999';

describe('GET status/{id}/ (a status of member)', () => {
  forEachAccessCase(
    () => m,
    (mm) => ({ method: 'get', url: `/hub/status/${mm.memberStatusId}/` }),
    // Even an admin does not read another member's status (nor does an expired or
    // revoked credential of the same member: it is not let in at all).
    { ...NOT_LET_IN, otherMember: 404, readOnly: 404, writeOnly: 404, readWrite: 200, admin: 404 },
    (res, _c, mm) => {
      if (res.status === 200) expect((JSON.parse(res.text) as { id: string }).id).toBe(mm.memberStatusId);
    },
  );

  test.each(['readOnly', 'writeOnly', 'admin'] as const)("%s: another member's status answers exactly like a missing one", async (c) => {
    const other = await callAs(m.app, c, { method: 'get', url: `/hub/status/${m.memberStatusId}/` });
    const missing = await callAs(m.app, c, { method: 'get', url: `/hub/status/${MISSING}/` });
    expect([other.status, missing.status]).toEqual([404, 404]);
    expect(errorShape(other.text)).toEqual(errorShape(missing.text));
    expect(other.text).not.toContain(m.memberStatusId);
  });

  test("member cannot read the admin's status", async () => {
    const res = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/status/${m.adminStatusId}/` });
    expect(res.status).toBe(404);
  });
});
