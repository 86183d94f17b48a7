/** The ABI error code an action throws (an HttpAbiError's `abiCode`), or undefined if it does not throw. */
export function abiCodeOf(action: () => unknown): number | undefined {
  try {
    action();
  } catch (err) {
    return (err as { abiCode?: number }).abiCode;
  }
  return undefined;
}
