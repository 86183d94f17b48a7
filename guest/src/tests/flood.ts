// Writes N MiB to stdout in 64 KiB writes, so the host must stream output and
// keep only a bounded tail instead of buffering everything.
//
//   argv: flood.wasm [N_MIB=1]
//   out:  exactly N MiB of 64-byte lines "<8-digit line number> xxx...x\n",
//         numbered from 00000000
//   exit: 0 | 1 when stdout fails | 2 on a bad N_MIB
import { fd_write, iovec } from "~lib/bindings/wasi_snapshot_preview1";
import { argOr, intArgOr } from "../../lib/args";
import { eprintln } from "../../lib/console";

const CHUNK_BYTES: i32 = 64 * 1024;
const LINE_BYTES: i32 = 64;
const DIGITS: i32 = 8;
const IOV: usize = memory.data(offsetof<iovec>() + 4);

function fillChunk(chunk: usize, firstLine: i64): void {
  for (let offset = 0; offset < CHUNK_BYTES; offset += LINE_BYTES) {
    let number = firstLine + offset / LINE_BYTES;
    const line = chunk + <usize>offset;
    for (let d = DIGITS - 1; d >= 0; d--) {
      store<u8>(line + <usize>d, <u8>(0x30 + number % 10));
      number /= 10;
    }
  }
}

function writeAll(start: usize, length: usize): bool {
  const iov = changetype<iovec>(IOV);
  while (length > 0) {
    iov.buf = start;
    iov.buf_len = length;
    if (fd_write(1, IOV, 1, IOV + offsetof<iovec>()) != 0) return false;
    const written = <usize>load<u32>(IOV + offsetof<iovec>());
    start += written;
    length -= written;
  }
  return true;
}

function main(): void {
  const mib = intArgOr(1, 1);
  if (mib < 0) {
    eprintln("flood: N_MIB must be a non-negative integer, got " + argOr(1, ""));
    process.exit(2);
  }
  const chunk = changetype<usize>(new ArrayBuffer(CHUNK_BYTES));
  memory.fill(chunk, 0x78 /* x */, <usize>CHUNK_BYTES);
  for (let offset = 0; offset < CHUNK_BYTES; offset += LINE_BYTES) {
    store<u8>(chunk + <usize>(offset + DIGITS), 0x20);
    store<u8>(chunk + <usize>(offset + LINE_BYTES - 1), 0x0a);
  }
  const chunks = mib * (1024 * 1024 / CHUNK_BYTES);
  const linesPerChunk: i64 = CHUNK_BYTES / LINE_BYTES;
  for (let i: i64 = 0; i < chunks; i++) {
    fillChunk(chunk, i * linesPerChunk);
    if (!writeAll(chunk, <usize>CHUNK_BYTES)) {
      eprintln("flood: writing to stdout failed");
      process.exit(1);
    }
  }
}

main();
