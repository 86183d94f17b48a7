import { GuestMemory } from '../../operator/src/host/guest-memory.js';
import { abiCodeOf } from '../helpers/abi-code.js';

const PAGE = 65536;


describe('guest memory bounds checks', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const guest = new GuestMemory(() => memory);

  test('a range inside memory is readable and writable', () => {
    guest.write(PAGE - 4, Uint8Array.of(1, 2, 3, 4));
    expect([...guest.view(PAGE - 4, 4)]).toEqual([1, 2, 3, 4]);
  });

  test('a range that ends exactly at the end of memory is fine, one byte more is error 3', () => {
    expect(abiCodeOf(() => guest.view(PAGE - 1, 1))).toBeUndefined();
    expect(abiCodeOf(() => guest.view(PAGE - 1, 2))).toBe(3);
    expect(abiCodeOf(() => guest.view(PAGE, 0))).toBeUndefined();
    expect(abiCodeOf(() => guest.view(PAGE + 1, 0))).toBe(3);
  });

  test('negative i32 pointers and lengths are large unsigned numbers, not small ones', () => {
    expect(abiCodeOf(() => guest.view(-16, 4))).toBe(3);
    expect(abiCodeOf(() => guest.view(0, -1))).toBe(3);
    expect(abiCodeOf(() => guest.writeU32(-4, 1))).toBe(3);
  });

  test('ptr + len overflowing 32 bits is still out of bounds', () => {
    expect(abiCodeOf(() => guest.view(0xffffff00 | 0, 0x200))).toBe(3);
  });

  test('writes are little-endian', () => {
    guest.writeU32(0, 0x01020304);
    guest.writeU16(8, 0xbeef);
    expect([...guest.view(0, 4)]).toEqual([4, 3, 2, 1]);
    expect([...guest.view(8, 2)]).toEqual([0xef, 0xbe]);
    expect(guest.readU32(0)).toBe(0x01020304);
  });

  test('checks use the current buffer after memory grows', () => {
    const growing = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const view = new GuestMemory(() => growing);
    expect(abiCodeOf(() => view.write(PAGE + 10, Uint8Array.of(7)))).toBe(3);
    growing.grow(1);
    view.write(PAGE + 10, Uint8Array.of(7));
    expect(new Uint8Array(growing.buffer)[PAGE + 10]).toBe(7);
  });

  test('copies survive the memory growing under them', () => {
    const growing = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const view = new GuestMemory(() => growing);
    view.write(0, Uint8Array.of(9, 8));
    const copy = view.copy(0, 2);
    growing.grow(1);
    expect([...copy]).toEqual([9, 8]);
  });

  test('no memory at all is error 2', () => {
    expect(abiCodeOf(() => new GuestMemory(() => undefined).view(0, 0))).toBe(2);
  });
});
