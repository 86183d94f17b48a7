// Spins forever without a single host call after its first line, so only the
// host's --timeout can end it (JSPI cannot help: the guest never suspends).
//
//   argv: endless-loop.wasm
//   out:  "endless-loop: spinning"
//   exit: never on its own (the host's timeout code, 124)
import { println } from "../../lib/console";

// A store the optimizer must keep, so the loop is not folded away.
const SPINS: usize = memory.data(8);

println("endless-loop: spinning");
while (true) {
  store<u64>(SPINS, load<u64>(SPINS) + 1);
}
