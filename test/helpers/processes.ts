// The launcher the demo uses is the one the tests use.
export * from '../../operator/src/local/runtime/processes.js';
