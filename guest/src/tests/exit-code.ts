// Exits with the code it is given, so the host can show it passes codes through.
//
//   argv: exit-code.wasm [CODE=0]        CODE in 0..255
//   out:  "exit-code:<CODE>"
//   exit: CODE | 2 with a message on stderr when CODE is not in 0..255
import { argOr, parseDecimal } from "../../lib/args";
import { eprintln, println } from "../../lib/console";

function main(): void {
  const given = argOr(1, "0");
  const code = parseDecimal(given);
  if (code < 0 || code > 255) {
    eprintln("exit-code: CODE must be an integer from 0 to 255, got " + given);
    process.exit(2);
  }
  println("exit-code:" + code.toString());
  process.exit(<i32>code);
}

main();
