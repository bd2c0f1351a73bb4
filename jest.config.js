// Two projects, so that `npm run test:unit` can run the pure modules' suites alone, in well
// under a minute, while `npm test` (plain `jest`) still runs every file, each exactly once.
//
// `unit`: suites of pure modules — no HTTP server (not even supertest's), no spawned
// process, no store (not even in memory), no temporary file. They may read files of the
// repository and of ../shared (schemas, examples). A suite that needs any of the rest
// belongs to `integration`, which is everything not listed here.
const fs = require('node:fs');
const path = require('node:path');

const UNIT_SUITES = [
  'test/admin/directory-plan.test.ts',
  'test/config.test.ts',
  'test/http/media-type-parser.test.ts',
  'test/sharing/decide.test.ts',
  'test/sharing/markings.test.ts',
  'test/sharing/transforms.test.ts',
  'test/stix/pattern-parser.test.ts',
  'test/stix/rules-identity-time.test.ts',
  'test/stix/rules-properties-extensions-tlp.test.ts',
  'test/stix/rules-references-vocabularies.test.ts',
  'test/stix/schema-checks-by-rules.test.ts',
  'test/stix/stix-schemas.test.ts',
  'test/store/variant-hashes.test.ts',
];

// A renamed or deleted suite left in the list would silently shrink `test:unit`.
for (const suite of UNIT_SUITES) {
  if (!fs.existsSync(path.join(__dirname, suite))) throw new Error(`jest.config.js: unit suite ${suite} does not exist`);
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: UNIT_SUITES.map((suite) => `<rootDir>/${suite}`),
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...UNIT_SUITES.map((suite) => `^${escape(path.join(__dirname, suite))}$`)],
      // Only the integration suites use MongoDB; a unit run has nothing to say about it.
      globalSetup: '<rootDir>/jest.global-setup.js',
    },
  ],
};
