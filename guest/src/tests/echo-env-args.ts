// Shows exactly what the host let the guest see: its arguments, its
// environment, and whether a host file is reachable (it must not be unless a
// directory was preopened).
//
//   argv: echo-env-args.wasm [ARG...]
//   out:  "arg:<value>" per argv entry (argv[0] first), then
//         "env:<NAME>=<value>" per env entry in the host's order, then
//         "open:ok" or "open:denied" for /etc/passwd
//   exit: 0
import { fd_close, path_open, rights } from "~lib/bindings/wasi_snapshot_preview1";
import { println } from "../../lib/console";
import { resolvePreopen } from "../../lib/preopens";

const PROBED_FILE = "/etc/passwd";
const OPENED_FD: usize = memory.data(4);

function canOpen(path: string): bool {
  const at = resolvePreopen(path);
  if (at.fd == 0) return false;
  const errno = path_open(at.fd, 0, changetype<usize>(at.relative), <usize>at.relative.byteLength, 0, rights.FD_READ, 0, 0, OPENED_FD);
  if (errno != 0) return false;
  fd_close(load<u32>(OPENED_FD));
  return true;
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
