// `wasi-operator controller`: parse flags, run the operator until SIGTERM or
// SIGINT, then shut down gracefully. Losing the Lease ends the process (a
// fresh start campaigns again), as controller-runtime's manager does.
import { CONTROLLER_USAGE, parseControllerArgs, type ParsedArgs } from '../controller/config.js';
import { startOperator } from '../controller/operator.js';
import { createLogger } from '../util/logger.js';

/** Signals closer together than this are one request (see onSignal). */
const REPEAT_WINDOW_MS = 1000;

export async function controllerCommand(args: string[]): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseControllerArgs(args, process.env);
  } catch (err) {
    process.stderr.write(`wasi-operator controller: ${(err as Error).message}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(CONTROLLER_USAGE);
    return 0;
  }
  const { options } = parsed;
  const log = createLogger({ name: 'wasi-operator', level: options.logLevel });

  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let started = false;
  let signalledAt = 0;
  // Listening from the start, so no signal meets Node's default (death
  // without a word). Before the operator has started there is nothing to
  // drain: it exits at once. After, the first signal stops it gracefully; a
  // second one, later than REPEAT_WINDOW_MS, ends the process at once. One
  // within that window is the same request delivered twice: `npx` forwards
  // the terminal's Ctrl-C (or a SIGTERM to the process group) to the
  // controller, which has already had it.
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (signalledAt !== 0) {
      if (now - signalledAt > REPEAT_WINDOW_MS) {
        log.warn({ signal }, 'second signal; exiting without finishing the shutdown');
        process.exit(130);
      }
      return;
    }
    signalledAt = now;
    log.info({ signal }, 'received signal');
    if (!started) process.exit(0);
    finish(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const operator = await startOperator({
    config: options.config,
    kubeconfigPath: options.kubeconfig,
    leaderElection: options.leaderElection,
    concurrency: options.concurrency,
    resyncPeriodSeconds: options.resyncPeriodSeconds,
    metricsAddr: options.metricsAddr,
    metricsPerAppLabel: options.metricsPerAppLabel,
    probeAddr: options.probeAddr,
    logger: log,
    onLeadershipLost: () => finish(1),
  });
  started = true;

  const code = await finished;
  await operator.stop();
  return code;
}
