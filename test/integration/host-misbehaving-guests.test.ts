// Guests that trap, spin, hog memory, fail or flood: the host must end each
// with the right exit code and reason, and stay within bounded memory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandModule } from '../helpers/wasm-bytes.js';
import { guestModule, runWasiHost } from '../helpers/wasi-host.js';

test('a trap exits 1, names the trap, and keeps the output before it', async () => {
  const run = await runWasiHost(['run', guestModule('trap')]);

  expect(run.exitCode).toBe(1);
  expect(run.stdout).toBe('trap: about to execute unreachable\n');
  expect(run.stderr).toContain('unreachable');
  expect(run.result).toMatchObject({ exitCode: 1, passed: false, reason: 'Trap', output: 'trap: about to execute unreachable\n' });
});

test('an endless compute loop is ended by --timeout with exit 124', async () => {
  const run = await runWasiHost(['run', guestModule('endless-loop'), '--timeout', '1']);

  expect(run.exitCode).toBe(124);
  expect(run.stdout).toBe('endless-loop: spinning\n');
  expect(run.result).toMatchObject({ exitCode: 124, passed: false, reason: 'Timeout', output: 'endless-loop: spinning\n' });
});

test('a guest that ends before --timeout keeps its own exit code', async () => {
  const run = await runWasiHost(['run', guestModule('exit-code'), '--timeout', '30', '--', '9']);

  expect(run.exitCode).toBe(9);
  expect(run.result).toMatchObject({ exitCode: 9, reason: 'ExitCode' });
});

test('memory growth beyond --max-memory-mb fails inside the guest, reason MemoryLimit', async () => {
  const run = await runWasiHost(['run', guestModule('memory-grow'), '--max-memory-mb', '32']);

  expect(run.stdout).toContain('memory.grow failed');
  expect(run.stdout).toContain('memory-mib:16');
  expect(run.stdout).not.toContain('memory-mib:32');
  expect(run.exitCode).toBe(3);
  expect(run.result).toMatchObject({ exitCode: 3, passed: false, reason: 'MemoryLimit' });
});

test('memory growth within --max-memory-mb succeeds, and without the cap it goes further', async () => {
  const within = await runWasiHost(['run', guestModule('memory-grow'), '--max-memory-mb', '32', '--', '16']);
  expect(within.exitCode).toBe(0);
  expect(within.result).toMatchObject({ passed: true });

  const uncapped = await runWasiHost(['run', guestModule('memory-grow'), '--', '48']);
  expect(uncapped.exitCode).toBe(0);
  expect(uncapped.stdout).toContain('memory-mib:48');
});

test('a module whose initial memory exceeds --max-memory-mb is refused with exit 125, reason MemoryLimit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'host-memory-'));
  try {
    const path = join(dir, 'big-memory.wasm');
    writeFileSync(path, commandModule({ memoryPages: 64 })); // 4 MiB
    const run = await runWasiHost(['run', path, '--max-memory-mb', '2']);

    expect(run.exitCode).toBe(125);
    expect(run.result).toMatchObject({ exitCode: 125, passed: false, reason: 'MemoryLimit' });
    expect(run.stderr).toContain('raise --max-memory-mb');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.each([[0], [7], [255]])('exit code %d comes through as the host exit code', async (code) => {
  const run = await runWasiHost(['run', guestModule('exit-code'), '--', String(code)]);

  expect(run.exitCode).toBe(code);
  expect(run.stdout).toBe(`exit-code:${code}\n`);
  expect(run.result).toMatchObject({ exitCode: code, passed: code === 0, reason: code === 0 ? null : 'ExitCode' });
});

// The host alone peaks near 60 MiB; one that buffered the flood would need
// 100 MiB more, so 128 MiB tells streaming from buffering.
test('100 MiB of output streams through while the host stays under 128 MiB RSS', async () => {
  const run = await runWasiHost(['run', guestModule('flood'), '--success-output', '00000000 xxx', '--', '100'], {
    keepAllStdout: false,
    killAfterMs: 120_000,
  });

  expect(run.exitCode).toBe(0);
  expect(run.stdoutBytes).toBe(100 * 2 ** 20);
  const lastLine = (100 * 2 ** 20) / 64 - 1;
  expect(run.stdout.endsWith(`${String(lastLine).padStart(8, '0')} ${'x'.repeat(54)}\n`)).toBe(true);
  expect(run.peakRssMib).toBeGreaterThan(0);
  expect(run.peakRssMib).toBeLessThan(128);
  // The first line was seen long before the tail: the search covers the whole stream.
  expect(run.result).toMatchObject({ passed: true });
  expect(Buffer.byteLength(run.resultText!, 'utf8')).toBeLessThanOrEqual(4096);
  expect(run.result!.output.endsWith(`${String(lastLine).padStart(8, '0')} ${'x'.repeat(54)}\n`)).toBe(true);
}, 150_000);

test('a success output that never appears fails the run with exit code 1, so its Job fails too', async () => {
  const run = await runWasiHost(['run', guestModule('exit-code'), '--success-output', 'Test successfully!', '--', '0']);

  expect(run.exitCode).toBe(1);
  expect(run.result).toMatchObject({ exitCode: 1, passed: false, reason: 'SuccessOutputMissing' });
});
