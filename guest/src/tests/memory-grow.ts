// Grows linear memory 1 MiB at a time until memory.grow fails, touching every
// new page so the memory is really committed: the host's --max-memory-mb must
// make growth fail inside the guest instead of exhausting the machine.
//
//   argv: memory-grow.wasm [LIMIT_MIB=0]     0 = until growth fails
//   out:  "memory-mib:<n>" every 16 MiB, then "memory.grow failed"
//   exit: 3 when growth failed | 0 when LIMIT_MIB was reached | 2 on a bad LIMIT_MIB
import { fd_write, iovec } from "~lib/bindings/wasi_snapshot_preview1";
import { argOr, intArgOr } from "../../lib/args";
import { eprintln, println } from "../../lib/console";

const PAGES_PER_STEP: i32 = 16; // 16 pages of 64 KiB = 1 MiB
const REPORT_EVERY_MIB: i32 = 16;

// Written without allocating: when memory.grow fails the allocator may have no
// room left either, so this message is encoded before any growth.
const FAILED = String.UTF8.encode("memory.grow failed\n");
const IOV: usize = memory.data(offsetof<iovec>() + 4);

function writeFailed(): void {
  const iov = changetype<iovec>(IOV);
  iov.buf = changetype<usize>(FAILED);
  iov.buf_len = <usize>FAILED.byteLength;
  fd_write(1, IOV, 1, IOV + offsetof<iovec>());
}

function main(): void {
  const limitMib = intArgOr(1, 0);
  if (limitMib < 0) {
    eprintln("memory-grow: LIMIT_MIB must be a non-negative integer, got " + argOr(1, ""));
    process.exit(2);
  }
  println("memory-mib:" + (memory.size() >> 4).toString());
  while (true) {
    const mib = memory.size() >> 4;
    if (limitMib > 0 && mib >= limitMib) {
      println("memory-mib:" + mib.toString());
      println("memory-grow: reached " + limitMib.toString() + " MiB without a failure");
      process.exit(0);
    }
    const firstNewPage = memory.grow(PAGES_PER_STEP);
    if (firstNewPage < 0) {
      writeFailed();
      process.exit(3);
    }
    for (let page = 0; page < PAGES_PER_STEP; page++) {
      store<u8>((<usize>(firstNewPage + page) << 16) + 4095, 1);
    }
    const grownMib = memory.size() >> 4;
    if (grownMib % REPORT_EVERY_MIB == 0) println("memory-mib:" + grownMib.toString());
  }
}

main();
