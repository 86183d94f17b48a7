// Every test runs the operator with its informer caches frozen: the
// reconciler reads the cached objects themselves, without copying them, and
// a write into one must fail a test rather than corrupt the cache.
process.env.WASI_OPERATOR_FREEZE_CACHE = '1';
