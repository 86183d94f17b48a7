// Durations on the command line, as users write them: 180, 90s, 3m.

/** "180", "180s", "3m" → milliseconds; undefined when it is none of those. */
export function parseTimeout(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (match[2] === 'm' ? 60_000 : 1000);
  return ms > 0 ? ms : undefined;
}
