// Figure: start-up overhead (issue 2, "Figures").
//
// `node bin/wasi-host.mjs run guest/build/exit-now.wasm` (a guest that exits
// at once) vs `node -e 0`, both with this Node (process.execPath), each run
// timed from spawn to exit, interleaved A, B, A, B… so that load from other
// work on the machine hits both alike. Goal: ratio of the medians ≤ 2.
// No sidecar variables in the environment (the host would wait for one), and
// no --result-file: exactly the command the issue names.
import { HOST_BIN, guestModule, median, min, ms, printFigure, ratio, reportRow, timedRun } from './lib.mjs';

const RUNS = 30;
const WARMUP = 3;
const GOAL_RATIO = 2;

const hostArgs = [HOST_BIN, 'run', guestModule('exit-now')];
const nodeArgs = ['-e', '0'];
const host = [];
const node = [];
for (let i = -WARMUP; i < RUNS; i++) {
  // Alternate which goes first, so neither always follows the other.
  const pair = i % 2 === 0 ? ['host', 'node'] : ['node', 'host'];
  for (const which of pair) {
    const { wallMillis } = timedRun(process.execPath, which === 'host' ? hostArgs : nodeArgs);
    if (i >= 0) (which === 'host' ? host : node).push(wallMillis);
  }
}

const hostMedian = median(host);
const nodeMedian = median(node);
const r = hostMedian / nodeMedian;
const met = r <= GOAL_RATIO;
printFigure(
  `start-up: wasi-host run exit-now.wasm median ${ms(hostMedian)} (min ${ms(min(host))}) over ${RUNS}; ` +
    `reference node -e 0 median ${ms(nodeMedian)} (min ${ms(min(node))}) → ratio ${ratio(r)} (min/min ${ratio(min(host) / min(node))}); ` +
    `host overhead ${ms(hostMedian - nodeMedian)}; goal ratio ≤ ${GOAL_RATIO}: ${met ? 'met' : 'NOT met'}`,
);
reportRow({
  figure: 'start-up: wasi-host vs node -e 0', value: ms(hostMedian), reference: `node -e 0 ${ms(nodeMedian)}`,
  ratio: ratio(r), goal: `≤ ${GOAL_RATIO}`, met,
});
