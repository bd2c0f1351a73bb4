// Configuration: buildConfig validates everything at once; loadConfig reads the shipped example.
import path from 'node:path';
import { buildConfig, loadConfig, ConfigError, type Config } from '../src/config';
import { testConfigObject as testObject, ROOT } from './helpers/test-app';

const REPO = path.resolve(__dirname, '..');

/** The test configuration without its directory part (API roots and users go to the store). */
function testConfigObject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { api_roots: _r, users: _u, ...server } = testObject(overrides);
  return server;
}

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
    expect(config.discovery).toEqual({ title: 'Concord test hub', description: 'test', contact: 'ops@example.org', defaultApiRoot: ROOT });
    expect(config.pageSizeMax).toBe(1000);
    expect(config.directory).toEqual({ dir: process.cwd(), applyOnStart: false });
    expect(config.source).toBe('test');
  });

  test('reports every problem at once', () => {
    const problems = problemsOf(testConfigObject(), { CONCORD_PORT: 'abc', CONCORD_PAGE_SIZE_DEFAULT: '5000', CONCORD_APPLY_ON_START: 'maybe' });
    const has = (re: RegExp) => expect(problems.some((p) => re.test(p))).toBe(true);
    has(/CONCORD_PORT must be a whole number, got 'abc'/);
    has(/page_size_default \(5000\) exceeds page_size_max/);
    has(/CONCORD_APPLY_ON_START must be true or false, got 'maybe'/);
    expect(problems).toHaveLength(3);
  });

  test('the ConfigError message lists every problem', () => {
    try {
      buildConfig(testConfigObject(), { CONCORD_PORT: 'abc', CONCORD_PAGE_SIZE_MAX: '-1' }, 'test.json');
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.problems.length).toBe(2);
      for (const p of err.problems) expect(err.message).toContain(p);
    }
  });

  test('API roots and users no longer belong in the server configuration (they are directory files)', () => {
    const problems = problemsOf(testObject());
    expect(problems.some((p) => p.includes("'api_roots'"))).toBe(true);
    expect(problems.some((p) => p.includes("'users'"))).toBe(true);
  });

  test('the directory folder is relative to the configuration file; CONCORD_DIRECTORY_DIR overrides it', () => {
    const config = buildConfig({ directory: { dir: 'hub', apply_on_start: true } }, {}, '/etc/concord/concord.json', '/');
    expect(config.directory).toEqual({ dir: '/etc/concord/hub', applyOnStart: true });
    const env = buildConfig({ directory: { dir: 'hub' } }, { CONCORD_DIRECTORY_DIR: 'elsewhere', CONCORD_APPLY_ON_START: '1' }, '/etc/concord/concord.json', '/srv');
    expect(env.directory).toEqual({ dir: '/srv/elsewhere', applyOnStart: true });
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

  test('failed-authentication limits: 30 per address and user, a backstop of 10× per address; never a backstop below the per-user limit', () => {
    const security = (s: Record<string, number>) => buildConfig({ security: s }, {}, 'test').security;
    expect(security({})).toMatchObject({ authFailuresPerWindow: 30, authFailuresPerAddressPerWindow: 300, authFailureWindowSeconds: 300 });
    expect(security({ auth_failures_per_window: 5 })).toMatchObject({ authFailuresPerWindow: 5, authFailuresPerAddressPerWindow: 50 });
    expect(security({ auth_failures_per_window: 5, auth_failures_per_address_per_window: 5 })).toMatchObject({ authFailuresPerAddressPerWindow: 5 });
    const problems = problemsOf({ security: { auth_failures_per_window: 30, auth_failures_per_address_per_window: 29 } });
    expect(problems).toEqual([expect.stringMatching(/auth_failures_per_address_per_window \(29\) is below security.auth_failures_per_window \(30\)/)]);
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
    expect(config.discovery.defaultApiRoot).toBe('hub');
    expect(config.directory).toEqual({ dir: path.join(REPO, 'collections'), applyOnStart: true });
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
