// Resolving an absolute path against the directories the host preopened, as
// wasi-libc does: preopens are fds 3, 4, … without gaps, each with the path
// the guest knows it by.
import {
  fd_prestat_dir_name, fd_prestat_get, prestat, prestat_dir,
} from "~lib/bindings/wasi_snapshot_preview1";

const FIRST_PREOPEN_FD: u32 = 3;
// Stop looking well before a host could plausibly run out.
const LAST_PREOPEN_FD: u32 = 64;
const PRESTAT: usize = memory.data(16);

/** A preopen's fd and a path relative to it; fd 0 when no preopen holds the path. */
export class PreopenPath {
  constructor(public fd: u32, public relative: ArrayBuffer) {}
}

/** The first preopen whose path is a prefix of `path` (the root "/" holds every absolute path). */
export function resolvePreopen(path: string): PreopenPath {
  for (let fd = FIRST_PREOPEN_FD; fd <= LAST_PREOPEN_FD; fd++) {
    if (fd_prestat_get(fd, changetype<prestat>(PRESTAT)) != 0) break;
    const nameLength = changetype<prestat_dir>(PRESTAT).name_len;
    const name = new ArrayBuffer(<i32>nameLength);
    if (fd_prestat_dir_name(fd, changetype<usize>(name), nameLength) != 0) continue;
    let dir = String.UTF8.decode(name);
    while (dir.length > 1 && dir.endsWith("/")) dir = dir.substring(0, dir.length - 1);
    if (dir == "/" || dir == "." || dir == "") return new PreopenPath(fd, String.UTF8.encode(path.substring(1)));
    if (path.startsWith(dir + "/")) return new PreopenPath(fd, String.UTF8.encode(path.substring(dir.length + 1)));
  }
  return new PreopenPath(0, new ArrayBuffer(0));
}
