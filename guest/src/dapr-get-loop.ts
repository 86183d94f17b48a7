// The host-call benchmark: N state GETs through the ABI, nothing else.
//
//   argv: dapr-get-loop.wasm [N=2000] [KEY=weapon] [STORE=statestore]
//   exit: 0 after printing "done N" | 1 on the first failed GET | 2 on a bad N
import { DaprClient } from "../lib/dapr";
import { argOr, intArgOr } from "../lib/args";
import { eprintln, println } from "../lib/console";

function main(): void {
  const count = intArgOr(1, 2000);
  if (count < 0) {
    eprintln("dapr-get-loop: N must be a non-negative integer, got " + argOr(1, ""));
    process.exit(2);
  }
  const key = argOr(2, "weapon");
  const storeName = argOr(3, "statestore");
  const dapr = new DaprClient();

  for (let i: i64 = 0; i < count; i++) {
    const error = dapr.getState(storeName, key).error;
    if (error != null) {
      eprintln("dapr-get-loop: GET " + (i + 1).toString() + " of " + count.toString() + ": " + error.toString());
      process.exit(1);
    }
  }
  println("done " + count.toString());
}

main();
