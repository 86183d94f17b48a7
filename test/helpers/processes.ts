// The launcher the demo uses is the one the tests use.
export * from '../../dev/runtime/processes.js';
