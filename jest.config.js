// Jest runs our ESM TypeScript through swc; client-node is ESM-only, so the
// tests run as native ES modules (node --experimental-vm-modules, see package.json).
//
// Two projects: `unit` (no cluster, no processes; run in parallel) and
// `integration` (real daprd, redis, control plane and node; one file at a
// time, so two files never fight over the 2 cores). `npm test` runs the unit
// project first, then the integration project with one worker.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/freeze-cache.ts'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
  // The shared real-node cluster (test/helpers/node-cluster.ts) ends with the run.
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  testSequencer: '<rootDir>/test/sequencer.mjs',
  testTimeout: 120000,
};
