// The cause of a failed daprd start, as the node agent puts it into the Pod's status.
import { firstDaprdError } from '../../operator/src/local/node-agent/daprd-log.js';

const LOG = [
  'time="2026-12-01T19:29:20.1Z" level=info msg="Starting Dapr Runtime -- version 1.18.2" app_id=x',
  'time="2026-12-01T19:29:20.2Z" level=error msg="Failed to init component statestore (state.redis/v1): redis store: error connecting to redis at 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused" app_id=x',
  'time="2026-12-01T19:29:20.3Z" level=fatal msg="Fatal error from runtime: process component statestore error: [INIT_COMPONENT_FAILURE]" app_id=x',
].join('\n');

test('the first error line names the cause: its msg, without the logfmt around it', () => {
  expect(firstDaprdError(LOG)).toBe(
    'Failed to init component statestore (state.redis/v1): redis store: error connecting to redis at 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused',
  );
});

test('a fatal line alone, escaped quotes, and no error at all', () => {
  expect(firstDaprdError('level=fatal msg="listen tcp: address \\"127.0.0.1:3500\\" in use"')).toBe('listen tcp: address "127.0.0.1:3500" in use');
  expect(firstDaprdError('level=info msg="all good"\n')).toBeUndefined();
});

test('a very long message is cut', () => {
  const long = firstDaprdError(`level=error msg="${'x'.repeat(1000)}"`)!;
  expect(long.length).toBe(400);
  expect(long.endsWith('…')).toBe(true);
});
