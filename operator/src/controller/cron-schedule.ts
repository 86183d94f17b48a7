// When a CronJob schedule fires next, for status.nextScheduleTime (the NEXT
// RUN column). The CronJob controller is what starts runs; this only reads
// the same schedule the way it does (robfig/cron's standard parser: five
// fields, ranges, steps, lists, month and weekday names, the @ descriptors;
// day of month and day of week match either when both are restricted), in
// the schedule's time zone. Pure: `now` comes in.

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
  /** The first name's value (months count from 1). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** Day of month and day of week both restricted: a day matches either (cron's rule). */
  eitherDay: boolean;
}

function valueOf(text: string, field: FieldSpec): number {
  const lower = text.toLowerCase();
  const named = field.names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + (field.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a number${field.names ? ' or a name' : ''}`);
  const value = Number(text);
  if (value < field.min || value > field.max) throw new Error(`${value} is outside ${field.min}-${field.max}`);
  return value;
}

function parseField(text: string, field: FieldSpec): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      [low, high] = [field.min, field.max];
      if (stepText === undefined) star = true;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [low, high] = [valueOf(a, field), valueOf(b, field)];
    } else {
      low = valueOf(range, field);
      // `5/15` runs from 5 to the end of the range in steps of 15.
      high = stepText === undefined ? low : field.max;
    }
    if (low > high) throw new Error(`"${part}" runs backwards`);
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return { values, star };
}

/** Parses a schedule; undefined for what has no fixed times (`@every`) or does not parse. */
export function parseCronSchedule(schedule: string): CronSchedule | undefined {
  const text = MACROS[schedule.trim().toLowerCase()] ?? schedule.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return undefined;
  try {
    const [minutes, hours, dom, months, dow] = parts.map((part, i) => parseField(part, FIELDS[i]!));
    const daysOfWeek = new Set([...dow!.values].map((d) => d % 7));
    return {
      minutes: minutes!.values,
      hours: hours!.values,
      daysOfMonth: dom!.values,
      months: months!.values,
      daysOfWeek,
      eitherDay: !dom!.star && !dow!.star,
    };
  } catch {
    return undefined;
  }
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallTimeIn(zone: string, at: Date): WallTime {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, Number(p.value)]));
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute! };
}

/** The instant a wall-clock time in `zone` names (the later one in a repeated hour); undefined when it does not exist (skipped by DST). */
function instantOf(zone: string, wall: WallTime): Date | undefined {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const seen = wallTimeIn(zone, new Date(guess));
    const seenUtc = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    if (seenUtc === asUtc) return new Date(guess);
    guess += asUtc - seenUtc;
  }
  return undefined;
}

function dayMatches(schedule: CronSchedule, year: number, month: number, day: number): boolean {
  if (!schedule.months.has(month)) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const dom = schedule.daysOfMonth.has(day);
  const dow = schedule.daysOfWeek.has(weekday);
  return schedule.eitherDay ? dom || dow : dom && dow;
}

/** Days searched ahead: enough for any schedule that fires at all (29 February, a weekday match, within 8 years). */
const SEARCH_DAYS = 366 * 8;

/** The first time after `now` that `schedule` fires in `timeZone` (default UTC); undefined if it never does or cannot be read. */
export function nextScheduleTime(schedule: string, timeZone: string | undefined, now: Date): Date | undefined {
  const parsed = parseCronSchedule(schedule);
  if (!parsed) return undefined;
  const zone = timeZone ?? 'UTC';
  let start: WallTime;
  try {
    start = wallTimeIn(zone, now);
  } catch {
    return undefined;
  }
  const hours = [...parsed.hours].sort((a, b) => a - b);
  const minutes = [...parsed.minutes].sort((a, b) => a - b);
  for (let offset = 0; offset < SEARCH_DAYS; offset++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + offset));
    const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (!dayMatches(parsed, year, month, day)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const at = instantOf(zone, { year, month, day, hour, minute });
        if (at && at.getTime() > now.getTime()) return at;
      }
    }
  }
  return undefined;
}
