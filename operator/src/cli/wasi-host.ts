// `wasi-host` entry point (bin/wasi-host.mjs calls main). Kept small and
// free of heavy imports: its start-up time is every guest's start-up time.
import { HostError, HostErrorCode } from '../host/host-errors.js';
import { parseArgs } from '../host/parse-args.js';
import { EXIT_HOST_FAILURE } from '../host/verdict.js';

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'fetch') {
    // The fetch-module init container; loaded only here, off `run`'s path.
    const { fetchCommand } = await import('../host/fetch-module.js');
    return fetchCommand(argv.slice(1));
  }
  let command;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof HostError) || err.code !== HostErrorCode.Usage) throw err;
    process.stderr.write(`wasi-host: ${err.message}\nrun \`wasi-host --help\` for usage\n`);
    return EXIT_HOST_FAILURE;
  }
  if (command.kind === 'help') {
    const { USAGE } = await import('../host/usage.js');
    process.stdout.write(USAGE);
    return 0;
  }
  const { runHost } = await import('../host/run-host.js');
  return runHost(command.options, process.env);
}
