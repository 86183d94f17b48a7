// Jest runs our ESM TypeScript through swc; client-node is ESM-only, so the
// tests run as native ES modules (node --experimental-vm-modules, see package.json).
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFiles: ['<rootDir>/test/freeze-cache.ts'],
  // The shared real-node cluster (test/helpers/node-cluster.ts) ends with the run.
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  testSequencer: '<rootDir>/test/sequencer.mjs',
  testTimeout: 120000,
  // Integration tests start real daprd, redis and a real control plane: run
  // them one file at a time so two files never fight over the 2 cores.
  maxWorkers: 1,
};
