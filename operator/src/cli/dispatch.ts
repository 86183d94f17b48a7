// The subcommand dispatcher shared by `wasi-operator` (the product) and
// `wasi-dev` (the development harness): usage on no command, one line naming
// the command and the error's code when a command throws.

export type Command = (args: string[]) => Promise<number>;

/** Subcommands by name, each imported only when it runs (so `controller` loads no harness code). */
export type CommandTable = Record<string, () => Promise<Command>>;

export async function dispatch(program: string, usage: string, commands: CommandTable, argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage);
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`${program}: unknown command "${name}"\n${usage}`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    const code = (err as { code?: string }).code;
    process.stderr.write(`${program} ${name}: ${err instanceof Error ? err.message : String(err)}${code ? ` (${code})` : ''}\n`);
    return 1;
  }
}
