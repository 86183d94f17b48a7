// Shows exactly what the host let the guest see: its arguments, its
// environment, and whether a host file is reachable (it must not be unless a
// directory was preopened).
//
//   argv: echo-env-args.wasm [ARG...]
//   out:  "arg:<value>" per argv entry (argv[0] first), then
//         "env:<NAME>=<value>" per env entry in the host's order, then
//         "open:ok" or "open:denied" for /etc/passwd
//   exit: 0
import {
  fd_close, fd_prestat_dir_name, fd_prestat_get, path_open, prestat, prestat_dir, rights,
} from "~lib/bindings/wasi_snapshot_preview1";
import { println } from "../../lib/console";

const PROBED_FILE = "/etc/passwd";
// Preopens are numbered from 3 upwards without gaps; stop looking well before
// a host could plausibly run out.
const FIRST_PREOPEN_FD: u32 = 3;
const LAST_PREOPEN_FD: u32 = 64;
const PRESTAT: usize = memory.data(16);
const OPENED_FD: usize = memory.data(4);

/** Resolves an absolute path against the preopened directories, as wasi-libc does. */
function canOpen(path: string): bool {
  for (let fd = FIRST_PREOPEN_FD; fd <= LAST_PREOPEN_FD; fd++) {
    if (fd_prestat_get(fd, changetype<prestat>(PRESTAT)) != 0) break;
    const nameLength = changetype<prestat_dir>(PRESTAT).name_len;
    const name = new ArrayBuffer(<i32>nameLength);
    if (fd_prestat_dir_name(fd, changetype<usize>(name), nameLength) != 0) continue;
    let dir = String.UTF8.decode(name);
    while (dir.length > 1 && dir.endsWith("/")) dir = dir.substring(0, dir.length - 1);
    let relative: string;
    if (dir == "/" || dir == "." || dir == "") relative = path.substring(1);
    else if (path.startsWith(dir + "/")) relative = path.substring(dir.length + 1);
    else continue;
    const encoded = String.UTF8.encode(relative);
    const errno = path_open(
      fd, 0, changetype<usize>(encoded), <usize>encoded.byteLength,
      0, rights.FD_READ, 0, 0, OPENED_FD,
    );
    if (errno == 0) {
      fd_close(load<u32>(OPENED_FD));
      return true;
    }
  }
  return false;
}

function main(): void {
  const argv = process.argv;
  for (let i = 0; i < argv.length; i++) println("arg:" + argv[i]);
  const env = process.env;
  const names = env.keys();
  for (let i = 0; i < names.length; i++) println("env:" + names[i] + "=" + env.get(names[i]));
  println(canOpen(PROBED_FILE) ? "open:ok" : "open:denied");
}

main();
