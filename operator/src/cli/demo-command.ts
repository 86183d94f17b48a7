export async function demoCommand(): Promise<number> {
  process.stderr.write('demo: not implemented yet\n');
  return 1;
}
