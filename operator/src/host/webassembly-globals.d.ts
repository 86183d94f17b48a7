// The project compiles with lib ES2024 and no DOM, which leaves the
// `WebAssembly` global untyped. This declares the part the host uses,
// including JSPI (`Suspending`, `promising`), which no lib declares yet.
// Module, Suspending and the error types are opaque marker types, as in lib.dom.
/* eslint-disable @typescript-eslint/no-empty-object-type -- marker types, see above */
type AnyFunction = (...args: never[]) => unknown;

declare global {
  namespace WebAssembly {
    interface Module {}
    const Module: {
      prototype: Module;
      new (bytes: ArrayBufferView | ArrayBuffer): Module;
      exports(module: Module): ModuleExportDescriptor[];
      imports(module: Module): ModuleImportDescriptor[];
    };

    interface Instance {
      readonly exports: Exports;
    }
    const Instance: { prototype: Instance; new (module: Module, imports?: Imports): Instance };

    interface Memory {
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
    const Memory: { prototype: Memory; new (descriptor: { initial: number; maximum?: number }): Memory };

    interface Suspending {}
    /** JSPI: an import that may return a promise; the calling guest suspends until it settles. */
    const Suspending: { prototype: Suspending; new (fn: (...args: never[]) => Promise<unknown>): Suspending };
    /** JSPI: wraps an export so that calling it returns a promise and lets Suspending imports suspend. */
    function promising<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<Awaited<R>>;

    interface CompileError extends Error {}
    const CompileError: { prototype: CompileError; new (message?: string): CompileError };
    interface LinkError extends Error {}
    const LinkError: { prototype: LinkError; new (message?: string): LinkError };
    interface RuntimeError extends Error {}
    const RuntimeError: { prototype: RuntimeError; new (message?: string): RuntimeError };

    type ImportExportKind = 'function' | 'global' | 'memory' | 'table' | 'tag';
    interface ModuleExportDescriptor {
      kind: ImportExportKind;
      name: string;
    }
    interface ModuleImportDescriptor {
      kind: ImportExportKind;
      module: string;
      name: string;
    }
    type ImportValue = AnyFunction | Suspending | Memory | number | bigint | object;
    type ModuleImports = Record<string, ImportValue>;
    type Imports = Record<string, ModuleImports>;
    type ExportValue = AnyFunction | Memory | object;
    type Exports = Record<string, ExportValue>;

    function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
    function instantiate(module: Module, imports?: Imports): Promise<Instance>;
  }
}

export {};
