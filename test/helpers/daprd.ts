// A real daprd in standalone mode for one test file (see dev/runtime/daprd.ts):
//
//   beforeAll(async () => {
//     redis = await startRedis();
//     daprd = await startDaprd({ appId: 'seed', redisAddress: redis.address });
//   });
//   afterAll(async () => { await daprd?.stop(); await redis?.stop(); });
//   // daprd.env is { DAPR_HTTP_PORT, DAPR_HTTP_ENDPOINT }: pass it to wasi-host
export { startDaprd, stateStoreComponent, type LocalDaprd as TestDaprd, type StartDaprdOptions, type StateStore } from '../../dev/runtime/daprd.js';
