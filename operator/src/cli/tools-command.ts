import { ensureTool } from '../local/tools/go-build.js';
import { GO_TOOLS } from '../local/tools/pins.js';

export async function toolsCommand(args: string[]): Promise<number> {
  const [verb, ...names] = args;
  if (verb !== 'ensure' || names.length === 0) {
    process.stderr.write(`usage: wasi-operator tools ensure NAME...|--all (names: ${GO_TOOLS.map((t) => t.name).join(', ')})\n`);
    return 2;
  }
  const wanted = names.includes('--all') ? GO_TOOLS : GO_TOOLS.filter((tool) => names.includes(tool.name));
  const unknown = names.filter((n) => n !== '--all' && !GO_TOOLS.some((tool) => tool.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown tool(s): ${unknown.join(', ')}\n`);
    return 2;
  }
  for (const tool of wanted) await ensureTool(tool);
  return 0;
}
