// Hits `unreachable`: the host must report a trap (exit 1, "Trap"), not crash.
//
//   argv: trap.wasm
//   out:  "trap: about to execute unreachable"
//   exit: the host's trap code (1)
import { println } from "../../lib/console";

println("trap: about to execute unreachable");
unreachable();
