// Every shell command the README shows (in its ```sh blocks, and in inline
// code that starts with a command: kubectl, helm, npx, npm, node, docker),
// and how the tests exercise it. The
// README is what users copy from, so each of its commands is either run as
// written by readme-commands.test.ts on the local cluster's real node (with
// the few substitutions listed here: what only a user's cluster has), or run
// by the test file named here, or, where nothing on this machine can run it,
// says why. A unit test (readme-commands-coverage.test.ts) fails when the
// README gains a command this table does not place.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../operator/src/util/package-root.js';

export interface ReadmeCommand {
  /** 1-based line of the README where the command starts. */
  line: number;
  /** The command as a shell runs it: continuation lines joined, a trailing `# comment` dropped. */
  command: string;
}

export type CommandCoverage =
  /** Run as written (after `substitute`) by readme-commands.test.ts. */
  | { run: 'readme-commands.test.ts'; substitute?: ReadonlyArray<readonly [string, string]> }
  /** Run, in the same form, by another test file. */
  | { coveredBy: string }
  /** Not run on this machine, and why. */
  | { notRun: string };

/** Placeholders for what the README's reader has and the local cluster has under another name. */
export const CLUSTER_VALUE = {
  operatorRepository: '${OPERATOR_REPOSITORY}',
  operatorTag: '${OPERATOR_TAG}',
  redisHost: '${REDIS_HOST}',
  kubeconfig: '${KUBECONFIG}',
} as const;

export const README_COMMAND_COVERAGE: Readonly<Record<string, CommandCoverage>> = {
  'npm start': { coveredBy: 'demo.test.ts' },
  'npm test': { notRun: 'it is the test run itself: .ci/run calls it on a fresh clone' },
  'npx wasi-host run guest/build/dapr-state-test.wasm --success-output "Test successfully!" -- statestore': { run: 'readme-commands.test.ts' },
  'kubectl apply -f crds/wasiapps.wasi-operator.dev.yaml': { run: 'readme-commands.test.ts' },
  'kubectl create configmap dapr-state-test --from-file=dapr-state-test.wasm=guest/build/dapr-state-test.wasm': { run: 'readme-commands.test.ts' },
  'kubectl apply -f examples/wasiapp-seed.yaml': { run: 'readme-commands.test.ts' },
  'kubectl get wasi -o wide': { run: 'readme-commands.test.ts' },
  'npx wasi-operator controller --help': { run: 'readme-commands.test.ts' },
  'npx wasi-operator controller --kubeconfig .wasi-operator/kubeconfig --no-leader-elect --default-redis-host 127.0.0.1:6379': {
    run: 'readme-commands.test.ts',
    substitute: [['.wasi-operator/kubeconfig', CLUSTER_VALUE.kubeconfig]],
  },
  'helm install wasi-operator charts/wasi-operator -n wasi-system --create-namespace --set image.repository=registry.example/wasi-operator --set image.tag=0.1.0 --set defaultRedis.host=redis-master.data:6379':
    {
      run: 'readme-commands.test.ts',
      substitute: [
        ['registry.example/wasi-operator', CLUSTER_VALUE.operatorRepository],
        ['image.tag=0.1.0', `image.tag=${CLUSTER_VALUE.operatorTag}`],
        ['redis-master.data:6379', CLUSTER_VALUE.redisHost],
      ],
    },
  'helm upgrade --install dapr dapr/dapr -n dapr-system --create-namespace --set dapr_sidecar_injector.sidecarDropALLCapabilities=true': {
    notRun: "Dapr's chart repository is on the network; the local cluster installs the same chart with the same value (dev/node/dapr-install.ts), and every node test runs on it",
  },
  'npx wasi-operator smoke': { run: 'readme-commands.test.ts' },
  'helm test wasi-operator -n wasi-system --logs': { run: 'readme-commands.test.ts' },
  'kubectl delete wasiapps --all -A': { run: 'readme-commands.test.ts' },
  'helm uninstall wasi-operator -n wasi-system': { run: 'readme-commands.test.ts' },
  'kubectl delete -f crds/wasiapps.wasi-operator.dev.yaml': { run: 'readme-commands.test.ts' },
  'node dev/bin/wasi-dev.mjs cluster up --node': { coveredBy: 'cluster.test.ts' },
  'export KUBECONFIG=$PWD/.wasi-operator/kubeconfig': { notRun: 'a setting of the reader’s shell, not a command; cluster.test.ts uses the kubeconfig `cluster up` prints' },
  'node dev/bin/wasi-dev.mjs cluster status': { coveredBy: 'cluster.test.ts' },
  'node dev/bin/wasi-dev.mjs cluster down': { coveredBy: 'cluster.test.ts' },
  // Inline in the text.
  'npm run setup': { notRun: 'the first step of .ci/run on a fresh clone, and npm test’s pretest' },
  'node dev/bin/wasi-dev.mjs demo --local': { coveredBy: 'demo.test.ts' },
  'npm run build:guests': { notRun: 'npm run setup runs the same script (scripts/build-guests.mjs) before every test run' },
  'kubectl describe wasi NAME': { run: 'readme-commands.test.ts', substitute: [['NAME', 'seed']] },
  'kubectl annotate wasiapp seed wasi-operator.dev/rerun="$(date +%s)" --overwrite': { run: 'readme-commands.test.ts' },
  'npx wasi-operator rerun seed --wait': { run: 'readme-commands.test.ts' },
  'docker build -t wasi-operator .': {
    notRun: 'this machine has no Docker engine; dev/images builds the same Dockerfile without one (images-*.test.ts), and that image is what the node runs',
  },
  'npm run build': { notRun: 'npm run setup runs the same two builds (TypeScript, guests) before every test run' },
  'kubectl get wasi NAME -o wide': { run: 'readme-commands.test.ts', substitute: [['NAME', 'seed']] },
  'kubectl annotate wasi NAME wasi-operator.dev/retry=1 --overwrite': { run: 'readme-commands.test.ts', substitute: [['NAME', 'seed']] },
  'npm run bench': { notRun: 'the benchmarks are not tests (no timing assertions; about an hour); run by hand, figures in docs/benchmarks.md' },
  'node -e 0': { notRun: 'a benchmark’s reference in the figures table, not a step to follow' },
};

/** Inline code that is a command a reader would type. */
const INLINE_COMMAND = /^(kubectl|helm|npx|npm|node|docker) /;

/** The commands in the markdown's ```sh blocks, then those in its inline code, each in order. */
export function readmeCommands(markdown: string): ReadmeCommand[] {
  return [...shellBlockCommands(markdown), ...inlineCommands(markdown)];
}

function inlineCommands(markdown: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  // Fenced blocks blanked (lines kept), so inline code is only what is outside them.
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, ' '));
  for (const match of prose.matchAll(/`([^`]+)`/g)) {
    const command = match[1]!.replace(/\s+/g, ' ').trim();
    if (!INLINE_COMMAND.test(command)) continue;
    commands.push({ line: prose.slice(0, match.index).split('\n').length, command });
  }
  return commands;
}

function shellBlockCommands(markdown: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let inShell = false;
  let pending: ReadmeCommand | undefined;
  markdown.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (/^```/.test(line)) {
      inShell = !inShell && /^```(sh|bash|shell)\s*$/.test(line);
      return;
    }
    if (!inShell) return;
    const text = stripComment(line).trim();
    if (text === '' && !pending) return;
    const continues = text.endsWith('\\');
    const part = continues ? text.slice(0, -1).trim() : text;
    pending = pending ? { line: pending.line, command: `${pending.command} ${part}`.trim() } : { line: index + 1, command: part };
    if (!continues) {
      if (pending.command !== '') commands.push(pending);
      pending = undefined;
    }
  });
  return commands;
}

/** A `#` that starts a comment: at the line's start or after whitespace, outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

export function readReadme(): string {
  return readFileSync(join(packageRoot(), 'README.md'), 'utf8');
}

/** The command as readme-commands.test.ts runs it: the coverage's substitutions, then the placeholders' values. */
export function commandToRun(command: string, values: Readonly<Record<string, string>>): string {
  const coverage = README_COMMAND_COVERAGE[command];
  if (!coverage || !('run' in coverage)) throw new Error(`the README command is not run by readme-commands.test.ts: ${command}`);
  let text = command;
  for (const [from, to] of coverage.substitute ?? []) {
    if (!text.includes(from)) throw new Error(`substitution "${from}" is not in the README command: ${command}`);
    text = text.replace(from, to);
  }
  for (const [placeholder, value] of Object.entries(values)) text = text.replaceAll(placeholder, value);
  if (/\$\{[A-Z_]+\}/.test(text)) throw new Error(`a placeholder has no value in: ${text}`);
  return text;
}
