// `wasi-operator controller`: parse flags, run the operator until SIGTERM or
// SIGINT, then shut down gracefully. Losing the Lease ends the process (a
// fresh start campaigns again), as controller-runtime's manager does.
import { CONTROLLER_USAGE, parseControllerArgs, type ParsedArgs } from '../controller/config.js';
import { startOperator } from '../controller/operator.js';
import { createLogger } from '../util/logger.js';

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

  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'received signal');
    finish(0);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const code = await finished;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);

  // A second signal during shutdown ends the process at once.
  const forceExit = (): void => process.exit(130);
  process.once('SIGTERM', forceExit);
  process.once('SIGINT', forceExit);
  await operator.stop();
  return code;
}
