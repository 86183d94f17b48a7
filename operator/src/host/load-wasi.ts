// node:wasi prints an ExperimentalWarning when first loaded. The guest's
// stderr is the user's, so the host loads it with that one warning dropped.
// Loaded on demand and synchronously (getBuiltinModule), so start-up never
// waits for it.
type WasiModule = typeof import('node:wasi');

let wasiModule: WasiModule | undefined;

function isWasiWarning(warning: unknown, rest: unknown[]): boolean {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  return type === 'ExperimentalWarning' && String(warning).startsWith('WASI ');
}

export function loadWasi(): WasiModule {
  if (wasiModule) return wasiModule;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: unknown, ...rest: unknown[]) {
    if (isWasiWarning(warning, rest)) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    wasiModule = process.getBuiltinModule('node:wasi');
  } finally {
    process.emitWarning = emitWarning;
  }
  return wasiModule;
}

/** The preview1 functions this Node provides, for naming a module's unknown imports. */
export function wasiFunctionNames(): Set<string> {
  const { WASI } = loadWasi();
  const imports = new WASI({ version: 'preview1', returnOnExit: true }).getImportObject() as Record<string, object>;
  return new Set(Object.keys(imports.wasi_snapshot_preview1 ?? {}));
}
