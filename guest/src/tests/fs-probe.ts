// Tries file-system calls on the preopened directories and prints each errno,
// for the host's --dir / --dir-ro tests.
//
//   argv: fs-probe.wasm OP PATH [TEXT] [OP PATH [TEXT]]...
//         read PATH          print the file's content
//         write PATH TEXT    create or truncate the file and write TEXT
//         mkdir PATH         create a directory
//         unlink PATH        remove a file
//   out:  "<op> <path>: <errno>" per operation, plus " <content>" after a read that worked
//   exit: 0
import {
  fd_close, fd_read, fd_write, iovec, oflags, path_create_directory, path_open, path_unlink_file, rights,
} from "~lib/bindings/wasi_snapshot_preview1";
import { println } from "../../lib/console";
import { PreopenPath, resolvePreopen as resolve } from "../../lib/preopens";

const OPENED_FD: usize = memory.data(4);
const IOVEC: usize = memory.data(8);
const COUNT: usize = memory.data(4);
const ENOENT: u16 = 44;

function openFile(at: PreopenPath, flags: u16, base: u64): u16 {
  return path_open(at.fd, 0, changetype<usize>(at.relative), <usize>at.relative.byteLength, flags, base, 0, 0, OPENED_FD);
}

function readFile(path: string): string {
  const at = resolve(path);
  if (at.fd == 0) return ENOENT.toString();
  let errno = openFile(at, 0, rights.FD_READ);
  if (errno != 0) return errno.toString();
  const fd = load<u32>(OPENED_FD);
  const buffer = new ArrayBuffer(4096);
  changetype<iovec>(IOVEC).buf = changetype<usize>(buffer);
  changetype<iovec>(IOVEC).buf_len = 4096;
  errno = fd_read(fd, IOVEC, 1, COUNT);
  fd_close(fd);
  if (errno != 0) return errno.toString();
  return "0 " + String.UTF8.decode(buffer.slice(0, <i32>load<u32>(COUNT)));
}

function writeFile(path: string, text: string): string {
  const at = resolve(path);
  if (at.fd == 0) return ENOENT.toString();
  let errno = openFile(at, oflags.CREAT | oflags.TRUNC, rights.FD_WRITE);
  if (errno != 0) return errno.toString();
  const fd = load<u32>(OPENED_FD);
  const bytes = String.UTF8.encode(text);
  changetype<iovec>(IOVEC).buf = changetype<usize>(bytes);
  changetype<iovec>(IOVEC).buf_len = <usize>bytes.byteLength;
  errno = fd_write(fd, IOVEC, 1, COUNT);
  fd_close(fd);
  return errno.toString();
}

function onDir(path: string, op: string): string {
  const at = resolve(path);
  if (at.fd == 0) return ENOENT.toString();
  const ptr = changetype<usize>(at.relative);
  const len = <usize>at.relative.byteLength;
  return (op == "mkdir" ? path_create_directory(at.fd, ptr, len) : path_unlink_file(at.fd, ptr, len)).toString();
}

function main(): void {
  const argv = process.argv;
  let i = 1;
  while (i + 1 < argv.length) {
    const op = argv[i];
    const path = argv[i + 1];
    if (op == "write") {
      println("write " + path + ": " + writeFile(path, i + 2 < argv.length ? argv[i + 2] : ""));
      i += 3;
      continue;
    }
    if (op == "read") println("read " + path + ": " + readFile(path));
    else println(op + " " + path + ": " + onDir(path, op));
    i += 2;
  }
}

main();
