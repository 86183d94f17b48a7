// Pure: turns an upstream go.mod into the go.mod of a small wrapper module
// that builds the upstream's main packages as a dependency. `go install
// module/cmd/x@v` refuses modules with `replace` directives, and monorepos such
// as Kubernetes replace their staging modules with local paths; a wrapper
// copies the replaces and points local paths at the published modules.
import { isWrapperPackage, type GoToolPin } from './pins.js';

const LOCAL_PATH = /^\.{1,2}\//;

function rewriteReplace(line: string, pin: GoToolPin): string | undefined {
  const match = /^(\s*)(replace\s+)?(\S+)(\s+\S+)?\s*=>\s*(\S+)(\s+\S+)?\s*$/.exec(line);
  if (!match) return line;
  const [, indent = '', keyword = '', from = '', , target = ''] = match;
  if (!LOCAL_PATH.test(target)) return line;
  if (pin.unpublished?.includes(from)) return undefined;
  const version = pin.publishedVersionOf?.(from);
  if (version === undefined) return undefined;
  return `${indent}${keyword}${from} => ${from} ${version}`;
}

export function wrapperGoMod(upstream: string, pin: GoToolPin): string {
  const out: string[] = [];
  let inReplaceBlock = false;
  for (const line of upstream.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('module ')) {
      out.push(`module ${wrapperModulePath(pin)}`);
      continue;
    }
    if (trimmed === 'replace (') {
      inReplaceBlock = true;
      out.push(line);
      continue;
    }
    if (inReplaceBlock && trimmed === ')') {
      inReplaceBlock = false;
      out.push(line);
      continue;
    }
    const isReplace = (inReplaceBlock || trimmed.startsWith('replace ')) && trimmed.includes('=>') && !trimmed.startsWith('//');
    if (isReplace) {
      const rewritten = rewriteReplace(line, pin);
      if (rewritten !== undefined) out.push(rewritten);
      continue;
    }
    out.push(line);
  }
  out.push('', `require ${pin.module} ${pin.version}`, '');
  return out.join('\n');
}

export function wrapperModulePath(pin: GoToolPin): string {
  return `wasioperator.local/build/${pin.name}`;
}

/**
 * A tools.go that imports the upstream main packages, so `go build -mod=mod`
 * resolves them. The wrapper's own packages import what they need themselves.
 */
export function wrapperToolsGo(pin: GoToolPin): string {
  const imports = pin.packages.filter((pkg) => !isWrapperPackage(pkg)).map((pkg) => `\t_ "${packagePath(pin, pkg)}"`);
  return imports.length === 0
    ? '//go:build tools\n\npackage tools\n'
    : `//go:build tools\n\npackage tools\n\nimport (\n${imports.join('\n')}\n)\n`;
}

/** The import path `go build` gets for one of the pin's packages. */
export function packagePath(pin: GoToolPin, pkg: string): string {
  if (pkg === '.') return pin.module;
  return isWrapperPackage(pkg) ? `${wrapperModulePath(pin)}/${pkg.slice(2)}` : `${pin.module}/${pkg}`;
}
