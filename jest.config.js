// Two projects: `unit` runs pure logic with no services; `integration` starts the embedded services
// once per run (Neo4j, Redis, etcd, or the ones named by NEO4J_URI / REDIS_URL / ETCD_ENDPOINTS)
// and stops them at the end.
const shared = {
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    // Tests run the TypeScript sources; package subpaths mirror the source folders.
    '^@twinledger/([^/]+)$': '<rootDir>/$1/index.ts',
    '^@twinledger/([^/]+)/(.*)$': '<rootDir>/$1/$2',
    // Source files import siblings with the `.js` extension Node16 resolution requires.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

module.exports = {
  testTimeout: 60_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: [...shared.testPathIgnorePatterns, '\\.int\\.test\\.ts$', '<rootDir>/test/'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int.test.ts', '<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
};
