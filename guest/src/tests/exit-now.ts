// Exits 0 at once and prints nothing: measures the host's own start-up cost.
//
//   argv: exit-now.wasm
//   exit: 0, no output
process.exit(0);
