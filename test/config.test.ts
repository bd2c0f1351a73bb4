// Configuration: buildConfig validates everything at once; loadConfig reads the shipped example.
import path from 'node:path';
import { buildConfig, loadConfig, ConfigError, type Config } from '../src/config';
import { testConfigObject, ROOT, OTHER_ROOT, SHARED, FEED, PARTNER } from './helpers/test-app';

const REPO = path.resolve(__dirname, '..');
const GHOST = '55555555-5555-4555-8555-555555555555';

function problemsOf(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    buildConfig(raw, env, 'test.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('buildConfig accepted an invalid configuration');
}

describe('buildConfig', () => {
  test('the test configuration is valid and is mapped to Config', () => {
    const config: Config = buildConfig(testConfigObject(), {}, 'test');
    expect(config.apiRoots.map((r) => r.path)).toEqual([ROOT, OTHER_ROOT]);
    expect(config.apiRoots[0]?.maxContentLength).toBe(1_000_000);
    expect(config.discovery).toEqual({ title: 'Concord test hub', description: 'test', contact: 'ops@example.org', defaultApiRoot: ROOT });
    expect(config.users.map((u) => u.id)).toEqual(['admin', 'member', 'reader', 'writer', 'outsider']);
    expect(config.apiRoots[0]?.collections[0]?.mediaTypes).toEqual(['application/stix+json;version=2.1']);
    expect(config.source).toBe('test');
  });

  test('reports every semantic problem at once', () => {
    const raw = testConfigObject({
      discovery: { title: 'x', default_api_root: 'nowhere' },
      api_roots: [
        {
          path: ROOT,
          title: 'Hub',
          collections: [
            { id: SHARED, alias: 'dup', title: 'A' },
            { id: FEED, alias: 'dup', title: 'B' },
          ],
        },
        // SHARED again, in another root.
        { path: 'taxii2', title: 'Reserved', collections: [{ id: SHARED, title: 'Again' }] },
        // The same alias in another root is fine.
        { path: OTHER_ROOT, title: 'Partner', collections: [{ id: PARTNER, alias: 'dup', title: 'P' }] },
      ],
      users: [{ id: 'member', token_sha256: ['a'.repeat(64)], collections: { [SHARED]: 'rw', [GHOST]: 'r' } }],
    });
    const problems = problemsOf(raw, { CONCORD_PORT: 'abc' });
    const has = (re: RegExp) => expect(problems.some((p) => re.test(p))).toBe(true);
    has(new RegExp(`collection id ${SHARED} is used twice`));
    has(new RegExp(`alias 'dup' is used twice in api root '${ROOT}'`));
    has(new RegExp(`user 'member': unknown collection ${GHOST}`));
    has(/default_api_root 'nowhere' is not one of the api_roots/);
    has(/api root path 'taxii2' is reserved/);
    has(/CONCORD_PORT must be a whole number, got 'abc'/);
    // The alias reused in another root is not a problem.
    expect(problems.some((p) => p.includes(`'${OTHER_ROOT}'`))).toBe(false);
    expect(problems).toHaveLength(6);
  });

  test('the ConfigError message lists every problem', () => {
    const raw = testConfigObject({ discovery: { title: 'x', default_api_root: 'nowhere' } });
    try {
      buildConfig(raw, { CONCORD_PORT: 'abc', CONCORD_PAGE_SIZE_MAX: '-1' }, 'test.json');
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.problems.length).toBe(3);
      for (const p of err.problems) expect(err.message).toContain(p);
    }
  });

  test('other duplicate and consistency problems are reported', () => {
    const raw = testConfigObject({
      api_roots: [
        { path: ROOT, title: 'Hub', collections: [{ id: SHARED, title: 'A' }] },
        { path: ROOT, title: 'Hub again', collections: [{ id: FEED, title: 'B' }] },
      ],
      discovery: { title: 'x' },
      users: [
        { id: 'u1', username: 'same', password_scrypt: 'scrypt$16384$8$1$a$b', token_sha256: ['b'.repeat(64)] },
        { id: 'u1', username: 'same', password_scrypt: 'scrypt$16384$8$1$a$b', token_sha256: ['b'.repeat(64)] },
        { id: 'u3', username: 'lonely' },
      ],
    });
    const problems = problemsOf(raw, { CONCORD_PAGE_SIZE_DEFAULT: '5000' });
    const has = (re: RegExp) => expect(problems.some((p) => re.test(p))).toBe(true);
    has(new RegExp(`api root path '${ROOT}' is used twice`));
    has(/user id 'u1' is used twice/);
    has(/username 'same' is used twice/);
    has(/a token hash is used twice/);
    has(/user 'u3': username and password_scrypt go together/);
    has(/page_size_default \(5000\) exceeds page_size_max/);
  });

  test('schema violations are all reported, with where they are', () => {
    const raw = testConfigObject({ unknown_key: 1, taxii: { page_size_default: 0 } });
    const problems = problemsOf(raw);
    expect(problems.some((p) => p.includes("'unknown_key'"))).toBe(true);
    expect(problems.some((p) => p.includes('/taxii/page_size_default'))).toBe(true);
    for (const p of problems) expect(p.startsWith('test.json:')).toBe(true);
  });

  test('a bad public base URL (trailing slash) is refused', () => {
    const problems = problemsOf(testConfigObject(), { CONCORD_PUBLIC_URL: 'https://taxii.example.org/' });
    expect(problems.some((p) => /public base URL/.test(p))).toBe(true);
  });

  test('environment variables override the file', () => {
    const config = buildConfig(testConfigObject({ server: { port: 9000 } }), { CONCORD_PORT: '8443', CONCORD_HOST: '0.0.0.0' }, 'test');
    expect(config.port).toBe(8443);
    expect(config.host).toBe('0.0.0.0');
  });
});

describe('loadConfig', () => {
  test('reads the shipped collections/concord.json successfully', () => {
    const config = loadConfig({}, REPO);
    expect(config.source).toBe(path.join(REPO, 'collections', 'concord.json'));
    expect(config.apiRoots.length).toBeGreaterThan(0);
    expect(config.apiRoots.map((r) => r.path)).toEqual(['hub', 'isac']);
    expect(config.discovery.defaultApiRoot).toBe('hub');
    expect(config.apiRoots.every((r) => r.collections.length > 0)).toBe(true);
    expect(config.users).toEqual([]);
  });

  test('CONCORD_CONFIG names the file; a missing file → ConfigError', () => {
    expect(() => loadConfig({ CONCORD_CONFIG: 'no/such/file.json' }, REPO)).toThrow(ConfigError);
    try {
      loadConfig({ CONCORD_CONFIG: 'no/such/file.json' }, REPO);
    } catch (e) {
      expect((e as ConfigError).problems[0]).toMatch(/cannot read .*no\/such\/file\.json/);
    }
  });
});
