// One error class with a stable `code` per failure (the undici habit), so
// callers and tests branch on codes, never on message text.
export class WasiOperatorError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'WasiOperatorError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
