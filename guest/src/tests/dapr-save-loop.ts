// Saves one key again and again with a pause between saves, so a test can
// take the state store away while the guest is in the middle of its work.
//
//   argv: dapr-save-loop.wasm [N=100] [PAUSE_MS=50] [KEY=loop] [STORE=statestore]
//   out:  "saved:<i>" after each save; "Test successfully!" after all N
//   exit: 0 | 1 "Test failed!" and the Dapr error on the first failed save | 2 on a bad N or PAUSE_MS
import { DaprClient } from "../../lib/dapr";
import { argOr, intArgOr } from "../../lib/args";
import { eprintln, println } from "../../lib/console";
import { eventtype, poll_oneoff, subscription_clock } from "~lib/bindings/wasi_snapshot_preview1";

// One clock subscription (48 bytes) and room for its event (32 bytes) and the count.
const SUBSCRIPTION: usize = memory.data(48, 8);
const EVENT: usize = memory.data(32, 8);
const EVENT_COUNT: usize = memory.data(4, 4);
const CLOCK_MONOTONIC: u32 = 1;

function sleepMillis(millis: i64): void {
  if (millis <= 0) return;
  const clock = changetype<subscription_clock>(SUBSCRIPTION);
  clock.userdata = 0;
  clock.type = eventtype.CLOCK;
  clock.clock_id = CLOCK_MONOTONIC;
  clock.timeout = <u64>millis * 1_000_000;
  clock.precision = 0;
  clock.flags = 0; // relative
  poll_oneoff(SUBSCRIPTION, EVENT, 1, EVENT_COUNT);
}

function main(): void {
  const count = intArgOr(1, 100);
  const pause = intArgOr(2, 50);
  if (count < 0 || pause < 0) {
    eprintln("dapr-save-loop: N and PAUSE_MS must be non-negative integers, got " + argOr(1, "") + " " + argOr(2, ""));
    process.exit(2);
  }
  const key = argOr(3, "loop");
  const storeName = argOr(4, "statestore");
  const dapr = new DaprClient();

  for (let i: i64 = 1; i <= count; i++) {
    const error = dapr.saveState(storeName, key, i.toString());
    if (error != null) {
      println("Test failed!");
      println("save " + i.toString() + " of " + count.toString() + ": " + error.toString());
      process.exit(1);
    }
    println("saved:" + i.toString());
    if (i < count) sleepMillis(pause);
  }
  println("Test successfully!");
}

main();
