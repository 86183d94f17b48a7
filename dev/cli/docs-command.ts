// `wasi-dev docs`: regenerates docs/reference.md from the WasiApp CRD.
import { packageRoot } from '../../operator/src/util/package-root.js';
import { writeReference } from '../docs/crd-reference.js';

export async function docsCommand(args: string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write('usage: wasi-dev docs   (writes docs/reference.md from crds/wasiapps.wasi-operator.dev.yaml)\n');
    return 2;
  }
  process.stdout.write(`wrote ${writeReference(packageRoot())}\n`);
  return 0;
}
