// Line output with one fd_write per line, so a line never interleaves with
// another stream's output and a host that streams writes sees whole lines.
export function println(line: string): void {
  process.stdout.write(line + "\n");
}

export function eprintln(line: string): void {
  process.stderr.write(line + "\n");
}
