// Jest's default order (slowest and last-failed first), except that the test
// that stops the shared real-node cluster (test/helpers/node-cluster.ts) runs
// last: every other file that needs the node finds it running.
import Sequencer from '@jest/test-sequencer';

const LAST = /node-lifecycle\.test\.ts$/;
const DefaultSequencer = Sequencer.default ?? Sequencer;

export default class NodeLastSequencer extends DefaultSequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const order = (list) => [...list.filter((t) => !LAST.test(t.path)), ...list.filter((t) => LAST.test(t.path))];
    return sorted instanceof Promise ? sorted.then(order) : order(sorted);
  }
}
