// Cache keys: the same inputs give the same fingerprint whatever their key
// order, and a file's digest is re-read only when the file changed.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, FileDigests, fingerprint, readStamp, sha256, writeStamp } from '../../dev/images/stamps.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'images-stamps-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('canonical JSON sorts keys at every level and drops undefined', () => {
  expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
  expect(fingerprint({ x: 1, y: 2 })).toBe(fingerprint({ y: 2, x: 1 }));
  expect(fingerprint({ x: 1 })).not.toBe(fingerprint({ x: 2 }));
  expect(fingerprint({})).toMatch(/^sha256:[0-9a-f]{64}$/);
});

test('stamps round-trip; a damaged one reads as none', () => {
  const path = join(dir, 'stamps', 'noop.json');
  expect(readStamp(path)).toBeUndefined();
  writeStamp(path, { inputs: 'sha256:i', configDigest: 'sha256:c', size: 3 });
  expect(readStamp(path)).toEqual({ inputs: 'sha256:i', configDigest: 'sha256:c', size: 3 });
  writeFileSync(path, '{"inputs":');
  expect(readStamp(path)).toBeUndefined();
});

test('file digests are remembered across instances and re-read when the file changes', async () => {
  const file = join(dir, 'binary');
  const memo = join(dir, 'digests.json');
  writeFileSync(file, 'one');
  const first = new FileDigests(memo);
  expect(await first.digest(file)).toBe(sha256('one'));
  first.save();

  // Same identity: a new instance answers from the memo.
  const second = new FileDigests(memo);
  expect(await second.digest(file)).toBe(sha256('one'));

  writeFileSync(file, 'two!');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  expect(await new FileDigests(memo).digest(file)).toBe(sha256('two!'));
  await expect(first.digest(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ERR_IMAGE_INPUT_MISSING' });
});
