import { verdictOf, type VerdictInput } from '../../operator/src/host/verdict.js';

const MIB = 2 ** 20;
const base: VerdictInput = {
  end: { kind: 'exit', code: 0 },
  memoryBytes: MIB,
  memoryCapBytes: undefined,
  successOutput: undefined,
  successSeen: false,
};

describe('verdict', () => {
  test('exit 0 passes', () => {
    expect(verdictOf(base)).toEqual({ exitCode: 0, passed: true, reason: null });
  });

  test('exit 0 with the success output seen passes', () => {
    expect(verdictOf({ ...base, successOutput: 'ok', successSeen: true })).toEqual({ exitCode: 0, passed: true, reason: null });
  });

  test('exit 0 without the success output fails with exit code 1, so the run\'s Job fails too', () => {
    expect(verdictOf({ ...base, successOutput: 'ok' })).toEqual({ exitCode: 1, passed: false, reason: 'SuccessOutputMissing' });
  });

  test('a non-zero exit is passed through with reason ExitCode', () => {
    expect(verdictOf({ ...base, end: { kind: 'exit', code: 42 } })).toEqual({ exitCode: 42, passed: false, reason: 'ExitCode' });
  });

  test('exit codes a process cannot have become 1, never 0', () => {
    expect(verdictOf({ ...base, end: { kind: 'exit', code: 256 } }).exitCode).toBe(1);
  });

  test('a trap exits 1 with reason Trap', () => {
    expect(verdictOf({ ...base, end: { kind: 'trap', message: 'RuntimeError: unreachable' } })).toEqual({ exitCode: 1, passed: false, reason: 'Trap' });
  });

  test('a timeout exits 124 with reason Timeout', () => {
    expect(verdictOf({ ...base, end: { kind: 'timeout' } })).toEqual({ exitCode: 124, passed: false, reason: 'Timeout' });
  });

  test('a guest that fails with its memory near the cap failed on MemoryLimit', () => {
    const atCap = { ...base, memoryBytes: 64 * MIB, memoryCapBytes: 64 * MIB };
    expect(verdictOf({ ...atCap, end: { kind: 'exit', code: 3 } })).toEqual({ exitCode: 3, passed: false, reason: 'MemoryLimit' });
    expect(verdictOf({ ...atCap, end: { kind: 'trap', message: 'RuntimeError: unreachable' } })).toEqual({ exitCode: 1, passed: false, reason: 'MemoryLimit' });
  });

  test('a guest that fails far below the cap keeps its own reason', () => {
    expect(verdictOf({ ...base, memoryBytes: 2 * MIB, memoryCapBytes: 64 * MIB, end: { kind: 'exit', code: 3 } }).reason).toBe('ExitCode');
  });

  test('a guest that succeeds near the cap passes', () => {
    expect(verdictOf({ ...base, memoryBytes: 64 * MIB, memoryCapBytes: 64 * MIB }).passed).toBe(true);
  });

  describe('after a state store failure', () => {
    const failed = { ...base, stateStoreFailed: true };

    test('a guest that exits non-zero is blamed on the store, keeping its exit code', () => {
      expect(verdictOf({ ...failed, end: { kind: 'exit', code: 3 } })).toEqual({ exitCode: 3, passed: false, reason: 'StateStoreUnavailable' });
    });

    test('so is a guest without its success output, a trap and a timeout', () => {
      expect(verdictOf({ ...failed, successOutput: 'ok' })).toEqual({ exitCode: 1, passed: false, reason: 'StateStoreUnavailable' });
      expect(verdictOf({ ...failed, end: { kind: 'trap', message: 'RuntimeError: unreachable' } })).toEqual({ exitCode: 1, passed: false, reason: 'StateStoreUnavailable' });
      expect(verdictOf({ ...failed, end: { kind: 'timeout' } })).toEqual({ exitCode: 124, passed: false, reason: 'StateStoreUnavailable' });
    });

    test('a guest that passes despite it still passes, without a reason', () => {
      expect(verdictOf(failed)).toEqual({ exitCode: 0, passed: true, reason: null });
      expect(verdictOf({ ...failed, successOutput: 'ok', successSeen: true })).toEqual({ exitCode: 0, passed: true, reason: null });
    });

    test('a module that cannot run and a guest at its memory cap keep their own reason', () => {
      expect(verdictOf({ ...failed, end: { kind: 'unrunnable', message: 'no _start' } }).reason).toBe('InvalidModule');
      expect(verdictOf({ ...failed, memoryBytes: 64 * MIB, memoryCapBytes: 64 * MIB, end: { kind: 'exit', code: 3 } }).reason).toBe('MemoryLimit');
    });
  });
});
