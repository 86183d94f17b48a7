// A real redis-server for one test file (see dev/runtime/redis-server.ts):
//
//   let redis: TestRedis;
//   beforeAll(async () => { redis = await startRedis(); });
//   afterAll(async () => { await redis?.stop(); });
export { startRedis, redisHashGet, REDIS_SERVER, type LocalRedis as TestRedis, type StartRedisOptions } from '../../dev/runtime/redis-server.js';
