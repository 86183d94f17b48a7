// WASI preview1 file-system conformance: every file-system call a guest can
// make, on a directory preopened as /sandbox, each case printed as one line of
// errnos and observable values (contents, sizes, file types, directory
// entries; never inode numbers or times). The test runs it under wasi-host and
// under plain node:wasi and compares the lines and the directory afterwards.
//
//   argv: fs-conformance.wasm [MODE=calls]
//         calls     the cases below on a /sandbox that holds only three symlinks
//                   out of it: planted-relative -> ../outside.txt,
//                   planted-absolute -> the absolute path of that file and
//                   planted-parent -> .. (outside.txt, next to /sandbox,
//                   holds "outside", for the escape cases)
//         readonly  every writing call on /sandbox, which holds a.txt ("keep")
//                   and the directory d/ with d/b.txt ("keep"); with a
//                   read-write /scratch also given, renames and links between them
//   out:  "<case>: <value> <value> ..." per case; errnos as decimal numbers
//   exit: 0 once every case ran (a case's failure is a value, not an exit)
import {
  dirent, fd_close, fdstat, filestat, fd_fdstat_get, fd_filestat_get, fd_filestat_set_size, fd_filestat_set_times, fd_pread,
  fd_prestat_get, fd_pwrite, fd_read, fd_readdir, fd_renumber, fd_seek, fd_tell, fd_write, fdflags, fstflags,
  iovec, lookupflags, oflags, path_create_directory, path_filestat_get, path_filestat_set_times, path_link,
  path_open, path_readlink, path_remove_directory, path_rename, path_symlink, path_unlink_file, prestat, rights,
  whence,
} from "~lib/bindings/wasi_snapshot_preview1";
import { argOr } from "../../lib/args";
import { println } from "../../lib/console";
import { resolvePreopen } from "../../lib/preopens";

const DIR: u32 = resolvePreopen("/sandbox/.").fd;

const FD_OUT: usize = memory.data(4);
const SIZE_OUT: usize = memory.data(8);
const IOVEC: usize = memory.data(8);
const STAT: usize = memory.data(64);
// filestat: dev u64, ino u64, filetype u8 @16, nlink u64 @24, size u64 @32, atim, mtim, ctim
const STAT_FILETYPE = 16;
const STAT_SIZE = 32;

const READ: u64 = rights.FD_READ | rights.FD_SEEK | rights.FD_TELL | rights.FD_FILESTAT_GET | rights.FD_READDIR;
const WRITE: u64 = rights.FD_WRITE | rights.FD_FILESTAT_SET_SIZE | rights.FD_FILESTAT_SET_TIMES;
const ALL: u64 = READ | WRITE;
// Rights a directory fd passes on to what is opened under it.
const INHERIT: u64 = ALL | rights.PATH_OPEN | rights.PATH_CREATE_FILE;
const FOLLOW: u32 = lookupflags.SYMLINK_FOLLOW;
const BAD_FD: u32 = 4294935959;

function utf8(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

class Opened {
  constructor(public errno: u16, public fd: u32) {}
}

function openAt(dir: u32, path: string, oflag: u16, base: u64, flags: u16 = 0, lookup: u32 = FOLLOW): Opened {
  const bytes = utf8(path);
  const errno = path_open(dir, lookup, changetype<usize>(bytes), <usize>bytes.byteLength, oflag, base, INHERIT, flags, FD_OUT);
  return new Opened(errno, errno == 0 ? load<u32>(FD_OUT) : 0);
}

function open(path: string, oflag: u16, base: u64, flags: u16 = 0, lookup: u32 = FOLLOW): Opened {
  return openAt(DIR, path, oflag, base, flags, lookup);
}

/** "errno/bytes" of one fd_write (or fd_pwrite at `offset` when it is not -1). */
function write(fd: u32, text: string, offset: i64 = -1): string {
  const bytes = utf8(text);
  changetype<iovec>(IOVEC).buf = changetype<usize>(bytes);
  changetype<iovec>(IOVEC).buf_len = <usize>bytes.byteLength;
  const errno = offset < 0 ? fd_write(fd, IOVEC, 1, SIZE_OUT) : fd_pwrite(fd, IOVEC, 1, <u64>offset, SIZE_OUT);
  return errno != 0 ? errno.toString() : "0/" + load<u32>(SIZE_OUT).toString();
}

/** "errno" or "0:<text>" of one fd_read of up to `max` bytes (fd_pread at `offset` when it is not -1). */
function read(fd: u32, max: i32 = 256, offset: i64 = -1): string {
  const buffer = new ArrayBuffer(max);
  changetype<iovec>(IOVEC).buf = changetype<usize>(buffer);
  changetype<iovec>(IOVEC).buf_len = <usize>max;
  const errno = offset < 0 ? fd_read(fd, IOVEC, 1, SIZE_OUT) : fd_pread(fd, IOVEC, 1, <u64>offset, SIZE_OUT);
  if (errno != 0) return errno.toString();
  return "0:" + String.UTF8.decode(buffer.slice(0, <i32>load<u32>(SIZE_OUT)));
}

function seek(fd: u32, offset: i64, from: u8): string {
  const errno = fd_seek(fd, offset, from, SIZE_OUT);
  return errno != 0 ? errno.toString() : "0@" + load<u64>(SIZE_OUT).toString();
}

function tell(fd: u32): string {
  const errno = fd_tell(fd, SIZE_OUT);
  return errno != 0 ? errno.toString() : "0@" + load<u64>(SIZE_OUT).toString();
}

/** "errno" or "0:<filetype>/<size>" (the size only for regular files: a directory's is the file system's). */
function describeStat(errno: u16): string {
  if (errno != 0) return errno.toString();
  const type = load<u8>(STAT + STAT_FILETYPE);
  return "0:" + type.toString() + (type == 4 ? "/" + load<u64>(STAT + STAT_SIZE).toString() : "");
}

function statPath(path: string, lookup: u32 = FOLLOW): string {
  const bytes = utf8(path);
  return describeStat(path_filestat_get(DIR, lookup, changetype<usize>(bytes), <usize>bytes.byteLength, changetype<filestat>(STAT)));
}

function statFd(fd: u32): string {
  return describeStat(fd_filestat_get(fd, changetype<filestat>(STAT)));
}

function pathCall(op: string, path: string): u16 {
  const bytes = utf8(path);
  const ptr = changetype<usize>(bytes);
  const len = <usize>bytes.byteLength;
  if (op == "mkdir") return path_create_directory(DIR, ptr, len);
  if (op == "rmdir") return path_remove_directory(DIR, ptr, len);
  return path_unlink_file(DIR, ptr, len);
}

function setTimesPath(path: string): u16 {
  const bytes = utf8(path);
  return path_filestat_set_times(DIR, FOLLOW, changetype<usize>(bytes), <usize>bytes.byteLength, 0, 0, fstflags.SET_MTIM_NOW);
}

function renameAt(fromDir: u32, from: string, toDir: u32, to: string): u16 {
  const a = utf8(from);
  const b = utf8(to);
  return path_rename(fromDir, changetype<usize>(a), <usize>a.byteLength, toDir, changetype<usize>(b), <usize>b.byteLength);
}

function rename(from: string, to: string): u16 {
  return renameAt(DIR, from, DIR, to);
}

function symlink(target: string, path: string): u16 {
  const a = utf8(target);
  const b = utf8(path);
  return path_symlink(changetype<usize>(a), <usize>a.byteLength, DIR, changetype<usize>(b), <usize>b.byteLength);
}

function link(from: string, to: string): u16 {
  const a = utf8(from);
  const b = utf8(to);
  return path_link(DIR, 0, changetype<usize>(a), <usize>a.byteLength, DIR, changetype<usize>(b), <usize>b.byteLength);
}

function readlink(path: string): string {
  const bytes = utf8(path);
  const buffer = new ArrayBuffer(256);
  const errno = path_readlink(DIR, changetype<usize>(bytes), <usize>bytes.byteLength, changetype<usize>(buffer), 256, SIZE_OUT);
  return errno != 0 ? errno.toString() : "0:" + String.UTF8.decode(buffer.slice(0, <i32>load<u32>(SIZE_OUT)));
}

/** The directory's entries as sorted "name/type", read with a buffer of `bufferSize` bytes from cookie 0 onwards. */
function readdir(fd: u32, bufferSize: i32): string {
  const names = new Array<string>();
  const buffer = new ArrayBuffer(bufferSize);
  const base = changetype<usize>(buffer);
  let cookie: u64 = 0;
  for (let calls = 0; calls < 1000; calls++) {
    const errno = fd_readdir(fd, base, <usize>bufferSize, cookie, SIZE_OUT);
    if (errno != 0) return errno.toString();
    const used = <usize>load<u32>(SIZE_OUT);
    let offset: usize = 0;
    let whole = 0;
    // Entries that fit whole; a header or name cut off by the buffer's end is read again from its cookie.
    while (offset + 24 <= used) {
      const entry = changetype<dirent>(base + offset);
      const nameLength = <usize>entry.namlen;
      if (offset + 24 + nameLength > used) break;
      const name = String.UTF8.decode(buffer.slice(<i32>(offset + 24), <i32>(offset + 24 + nameLength)));
      if (name != "." && name != "..") names.push(name + "/" + entry.type.toString());
      cookie = entry.next;
      offset += 24 + nameLength;
      whole++;
    }
    if (used < <usize>bufferSize) break;
    if (whole == 0) return "buffer-too-small";
  }
  names.sort();
  return "0:" + names.join(",");
}

function out(name: string, values: string[]): void {
  println(name + ": " + values.join(" "));
}

function closeAll(fds: u32[]): void {
  for (let i = 0; i < fds.length; i++) fd_close(fds[i]);
}

function calls(): void {
  // open / create / truncate
  let f = open("a.txt", oflags.CREAT | oflags.EXCL, ALL);
  out("create-exclusive", [f.errno.toString(), write(f.fd, "hello world"), statFd(f.fd)]);
  fd_close(f.fd);
  out("create-exclusive-existing", [open("a.txt", oflags.CREAT | oflags.EXCL, ALL).errno.toString()]);
  out("open-missing", [open("missing.txt", 0, READ).errno.toString()]);
  f = open("a.txt", 0, READ);
  out("read-whole", [f.errno.toString(), read(f.fd), read(f.fd)]);
  fd_close(f.fd);
  f = open("a.txt", oflags.TRUNC, ALL);
  out("truncate-on-open", [f.errno.toString(), statFd(f.fd), write(f.fd, "0123456789"), statFd(f.fd)]);
  fd_close(f.fd);
  out("open-file-as-directory", [open("a.txt", oflags.DIRECTORY, READ).errno.toString()]);
  out("create-in-missing-directory", [open("nodir/x.txt", oflags.CREAT, ALL).errno.toString()]);

  // read / write / pread / pwrite / seek / tell
  f = open("a.txt", 0, ALL);
  out("pread", [read(f.fd, 4, 3), tell(f.fd)]);
  out("pwrite", [write(f.fd, "ZZ", 5), tell(f.fd), read(f.fd, 64, 0)]);
  out("pwrite-past-end", [write(f.fd, "!", 12), statFd(f.fd)]);
  out("seek-set", [seek(f.fd, 2, whence.SET), read(f.fd, 3), tell(f.fd)]);
  out("seek-cur", [seek(f.fd, -1, whence.CUR), read(f.fd, 2)]);
  out("seek-end", [seek(f.fd, -2, whence.END), read(f.fd, 8)]);
  out("seek-before-start", [seek(f.fd, -100, whence.SET), tell(f.fd)]);
  out("seek-bad-whence", [seek(f.fd, 0, 7)]);
  out("set-size", [fd_filestat_set_size(f.fd, 3).toString(), statFd(f.fd), read(f.fd, 64, 0)]);
  out("set-times", [fd_filestat_set_times(f.fd, 0, 0, fstflags.SET_ATIM_NOW | fstflags.SET_MTIM_NOW).toString()]);
  fd_close(f.fd);
  f = open("a.txt", 0, ALL, fdflags.APPEND);
  out("append", [write(f.fd, "+tail"), read(f.fd, 64, 0), statFd(f.fd)]);
  fd_close(f.fd);
  f = open("a.txt", 0, rights.FD_READ);
  out("write-without-right", [write(f.fd, "x"), read(f.fd, 64)]);
  fd_close(f.fd);

  // stat / fdstat
  out("stat-file", [statPath("a.txt")]);
  out("stat-dir", [statPath(".")]);
  out("stat-missing", [statPath("missing.txt")]);
  out("fdstat-preopen", [fd_fdstat_get(DIR, changetype<fdstat>(STAT)).toString(), load<u8>(STAT).toString()]);
  out("set-times-path", [setTimesPath("a.txt").toString()]);

  // mkdir / rmdir / unlink
  out("mkdir", [pathCall("mkdir", "d").toString(), statPath("d")]);
  out("mkdir-existing", [pathCall("mkdir", "d").toString()]);
  f = open("d/inner.txt", oflags.CREAT, ALL);
  write(f.fd, "inner");
  fd_close(f.fd);
  out("rmdir-not-empty", [pathCall("rmdir", "d").toString()]);
  out("rmdir-file", [pathCall("rmdir", "a.txt").toString()]);
  out("unlink-directory", [pathCall("unlink", "d").toString()]);
  out("unlink-missing", [pathCall("unlink", "missing.txt").toString()]);
  pathCall("mkdir", "empty");
  out("rmdir-empty", [pathCall("rmdir", "empty").toString(), statPath("empty")]);

  // readdir
  pathCall("mkdir", "list");
  for (let i = 0; i < 12; i++) {
    const g = open("list/entry-" + i.toString() + ".txt", oflags.CREAT, ALL);
    fd_close(g.fd);
  }
  pathCall("mkdir", "list/sub");
  f = open("list", oflags.DIRECTORY, READ);
  out("readdir", [f.errno.toString(), readdir(f.fd, 4096)]);
  out("readdir-small-buffer", [readdir(f.fd, 48)]);
  out("read-on-directory", [read(f.fd)]);
  fd_close(f.fd);
  f = open("a.txt", 0, READ);
  out("readdir-on-file", [readdir(f.fd, 4096)]);
  fd_close(f.fd);

  // rename
  out("rename", [rename("a.txt", "c.txt").toString(), statPath("a.txt"), statPath("c.txt")]);
  f = open("old.txt", oflags.CREAT, ALL);
  write(f.fd, "old");
  fd_close(f.fd);
  out("rename-over-file", [rename("old.txt", "c.txt").toString(), statPath("old.txt"), statPath("c.txt")]);
  out("rename-missing", [rename("missing.txt", "x.txt").toString()]);
  out("rename-directory-into-itself", [rename("d", "d/sub").toString()]);
  out("rename-file-over-directory", [rename("c.txt", "d").toString()]);

  // symlinks and hard links
  out("symlink", [symlink("c.txt", "link").toString(), readlink("link"), statPath("link", 0), statPath("link")]);
  f = open("link", 0, READ);
  out("open-through-symlink", [f.errno.toString(), read(f.fd)]);
  fd_close(f.fd);
  out("open-symlink-nofollow", [open("link", 0, READ, 0, 0).errno.toString()]);
  out("symlink-existing", [symlink("c.txt", "link").toString()]);
  out("readlink-on-file", [readlink("c.txt")]);
  out("symlink-dangling", [symlink("nowhere.txt", "dangling").toString(), statPath("dangling", 0), statPath("dangling")]);
  out("link", [link("c.txt", "hard.txt").toString(), statPath("hard.txt")]);
  out("unlink-symlink", [pathCall("unlink", "link").toString(), statPath("link", 0), statPath("c.txt")]);

  // escapes: nothing outside the preopen is reached, for reading or writing
  out("open-dotdot", [open("../outside.txt", 0, READ).errno.toString()]);
  out("open-inner-dotdot", [open("d/../../outside.txt", 0, READ).errno.toString()]);
  out("open-dotdot-inside", [open("d/../c.txt", 0, READ).errno.toString()]);
  out("open-absolute", [open("/outside.txt", 0, READ).errno.toString()]);
  out("create-dotdot", [open("../created.txt", oflags.CREAT, ALL).errno.toString()]);
  out("mkdir-dotdot", [pathCall("mkdir", "../made").toString()]);
  out("unlink-dotdot", [pathCall("unlink", "../outside.txt").toString()]);
  out("rename-out", [rename("c.txt", "../moved.txt").toString()]);
  out("stat-dotdot", [statPath("../outside.txt")]);
  out("symlink-out-relative", [symlink("../outside.txt", "esc").toString()]);
  out("open-through-symlink-out", [open("esc", 0, READ).errno.toString(), open("esc", oflags.TRUNC, ALL).errno.toString()]);
  out("symlink-out-absolute", [symlink("/etc/passwd", "abs").toString()]);
  out("open-through-absolute-symlink", [open("abs", 0, READ).errno.toString()]);
  out("stat-through-symlink-out", [statPath("esc")]);
  // Symlinks out of the preopen that were there before the guest started (it cannot make them itself).
  out("open-planted-symlink-relative", [open("planted-relative", 0, READ).errno.toString(), open("planted-relative", oflags.TRUNC, ALL).errno.toString()]);
  out("open-planted-symlink-absolute", [open("planted-absolute", 0, READ).errno.toString(), open("planted-absolute", oflags.TRUNC, ALL).errno.toString()]);
  out("open-through-planted-directory-symlink", [open("planted-parent/outside.txt", 0, READ).errno.toString(), open("planted-parent/created.txt", oflags.CREAT, ALL).errno.toString()]);
  out("stat-planted-symlink", [statPath("planted-relative", 0), statPath("planted-relative")]);

  // fd table: renumber, close twice, unsigned fds
  const first = open("c.txt", 0, READ);
  const second = open("hard.txt", 0, READ);
  out("renumber", [fd_renumber(first.fd, second.fd).toString(), read(second.fd), read(first.fd)]);
  out("renumber-closed", [fd_renumber(first.fd, second.fd).toString()]);
  out("close-twice", [fd_close(second.fd).toString(), fd_close(second.fd).toString()]);
  out("close-bad-fd", [fd_close(BAD_FD).toString()]);
  out("write-bad-fd", [write(BAD_FD, "x")]);
  out("prestat-not-preopen", [fd_prestat_get(first.fd, changetype<prestat>(STAT)).toString()]);
  const fds = new Array<u32>();
  for (let i = 0; i < 3; i++) fds.push(open("c.txt", 0, READ).fd);
  out("fds-reused-after-close", [(fds[0] != fds[1] && fds[1] != fds[2]).toString()]);
  closeAll(fds);
}

/** Every call that writes, on a read-only /sandbox holding a.txt and d/b.txt: each must be refused. */
function readOnly(): void {
  const reader = open("a.txt", 0, rights.FD_READ);
  out("ro-read", [reader.errno.toString(), read(reader.fd)]);
  fd_close(reader.fd);
  out("ro-open-write-right", [open("a.txt", 0, ALL).errno.toString()]);
  out("ro-open-create", [open("new.txt", oflags.CREAT, READ).errno.toString()]);
  out("ro-open-truncate", [open("a.txt", oflags.TRUNC, READ).errno.toString()]);
  out("ro-open-append", [open("a.txt", 0, rights.FD_READ, fdflags.APPEND).errno.toString()]);
  out("ro-mkdir", [pathCall("mkdir", "new").toString()]);
  out("ro-rmdir", [pathCall("rmdir", "d").toString()]);
  out("ro-unlink", [pathCall("unlink", "a.txt").toString()]);
  out("ro-rename", [rename("a.txt", "b.txt").toString()]);
  out("ro-symlink", [symlink("a.txt", "link").toString()]);
  out("ro-link", [link("a.txt", "hard.txt").toString()]);
  out("ro-set-times-path", [setTimesPath("a.txt").toString()]);
  const f = open("a.txt", 0, rights.FD_READ | rights.FD_FILESTAT_GET);
  out("ro-fd-write", [write(f.fd, "x"), write(f.fd, "x", 0)]);
  out("ro-fd-set-size", [fd_filestat_set_size(f.fd, 0).toString()]);
  out("ro-fd-set-times", [fd_filestat_set_times(f.fd, 0, 0, fstflags.SET_MTIM_NOW).toString()]);
  // A directory opened under a read-only one is read-only too, and so is an fd renumbered onto another.
  const sub = open("d", oflags.DIRECTORY, READ);
  out("ro-subdirectory-create", [openAt(sub.fd, "c.txt", oflags.CREAT, READ).errno.toString()]);
  const other = open("d/b.txt", 0, rights.FD_READ);
  fd_renumber(f.fd, other.fd);
  out("ro-renumbered-write", [write(other.fd, "x")]);
  closeAll([sub.fd, other.fd]);
  // Between a read-write /scratch (when given) and the read-only /sandbox: nothing moves in or out, and no
  // hard link out of it could be written through.
  const scratch = resolvePreopen("/scratch/.").fd;
  if (scratch == 0) return;
  const made = openAt(scratch, "x.txt", oflags.CREAT, ALL);
  fd_close(made.fd);
  out("ro-rename-into", [renameAt(scratch, "x.txt", DIR, "x.txt").toString()]);
  out("ro-rename-out", [renameAt(DIR, "a.txt", scratch, "a.txt").toString()]);
  const a = utf8("a.txt");
  const h = utf8("h.txt");
  out("ro-link-out", [path_link(DIR, 0, changetype<usize>(a), <usize>a.byteLength, scratch, changetype<usize>(h), <usize>h.byteLength).toString()]);
}

if (argOr(1, "calls") == "readonly") readOnly();
else calls();
