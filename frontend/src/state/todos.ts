/** Filtering, sorting and display helpers for the to-do list. */
import type { Todo, TodoStatus } from "../api/types";

export type StatusFilter = "all" | "open" | TodoStatus;
export type TodoSort = "deadline-asc" | "deadline-desc" | "created-asc";

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A deadline as a point in time, plus whether the API gave only a date. */
interface ParsedDeadline {
  /** For a date-only deadline, the end of that day in the viewer's time zone. */
  time: number;
  dateOnly: boolean;
  /** Calendar date (year, month 1-12, day) of the deadline in the viewer's time zone. */
  calendarDate: [number, number, number];
}

/** Returns the calendar date of `time` in `timeZone`. */
function calendarDateIn(time: number, timeZone: string | undefined): [number, number, number] {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(new Date(time));
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return [value("year"), value("month"), value("day")];
}

function parseDeadline(deadline: string, timeZone: string | undefined): ParsedDeadline | null {
  if (DATE_ONLY.test(deadline)) {
    const [year, month, day] = deadline.split("-").map(Number);
    // A date without a time is due at the end of that day where the viewer is.
    // NOTE: this uses the browser's own offset, so it is exact only when
    // `timeZone` is the browser's time zone.
    const endOfDay = new Date(year, month - 1, day, 23, 59, 59, 999).getTime();
    return { time: endOfDay, dateOnly: true, calendarDate: [year, month, day] };
  }
  const time = Date.parse(deadline);
  if (Number.isNaN(time)) {
    return null;
  }
  return { time, dateOnly: false, calendarDate: calendarDateIn(time, timeZone) };
}

/** Whole calendar days from date `from` to date `to`. */
function daysBetween(from: [number, number, number], to: [number, number, number]): number {
  const fromUtc = Date.UTC(from[0], from[1] - 1, from[2]);
  const toUtc = Date.UTC(to[0], to[1] - 1, to[2]);
  return Math.round((toUtc - fromUtc) / 86_400_000);
}

export interface DeadlineDescription {
  /** Absolute date, with the time unless the API gave only a date. */
  absolute: string;
  /** "today", "tomorrow", "in 3 days", "overdue (yesterday)", "2 days ago" and so on. */
  relative: string;
  overdue: boolean;
  /** Value for the `datetime` attribute of a `<time>` element. */
  machineReadable: string;
}

/**
 * Describes a deadline relative to `now` in calendar days of `timeZone`.
 * A deadline in the past is "overdue" unless the to-do is done or archived.
 * Returns null for a deadline that does not parse.
 */
export function describeDeadline(
  deadline: string,
  status: TodoStatus,
  now: Date,
  timeZone?: string,
  locale = "en",
): DeadlineDescription | null {
  const parsed = parseDeadline(deadline, timeZone);
  if (!parsed) {
    return null;
  }

  const absolute = new Intl.DateTimeFormat(locale, {
    timeZone: parsed.dateOnly ? undefined : timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    ...(parsed.dateOnly ? {} : { hour: "numeric", minute: "2-digit" }),
  }).format(new Date(parsed.time));

  const days = daysBetween(calendarDateIn(now.getTime(), timeZone), parsed.calendarDate);
  const relativeDays = new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(days, "day");
  const finished = status === "done" || status === "archived";
  const overdue = !finished && parsed.time < now.getTime();

  return {
    absolute,
    relative: overdue ? `overdue (${relativeDays})` : relativeDays,
    overdue,
    machineReadable: deadline,
  };
}

/** Formats minutes as "45 min", "2 h" or "1 h 30 min". */
export function formatDuration(minutes: number): string {
  const rounded = Math.max(0, Math.round(minutes));
  const hours = Math.floor(rounded / 60);
  const rest = rounded % 60;
  if (hours === 0) {
    return `${rest} min`;
  }
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export function filterTodos(todos: readonly Todo[], filter: StatusFilter): Todo[] {
  if (filter === "all") {
    return todos.slice();
  }
  if (filter === "open") {
    return todos.filter((todo) => todo.status === "not started" || todo.status === "in progress");
  }
  return todos.filter((todo) => todo.status === filter);
}

function deadlineTime(todo: Todo): number | null {
  if (todo.deadline === null) {
    return null;
  }
  const parsed = parseDeadline(todo.deadline, undefined);
  return parsed ? parsed.time : null;
}

/**
 * Sorts a copy of `todos`. Deadline orders put to-dos without a deadline
 * last, and ties keep the API's order (oldest first).
 */
export function sortTodos(todos: readonly Todo[], sort: TodoSort): Todo[] {
  const indexed = todos.map((todo, index) => ({ todo, index, deadline: deadlineTime(todo) }));
  indexed.sort((a, b) => {
    if (sort === "created-asc") {
      return a.index - b.index;
    }
    if (a.deadline === null || b.deadline === null) {
      if (a.deadline === b.deadline) {
        return a.index - b.index;
      }
      return a.deadline === null ? 1 : -1;
    }
    const difference = sort === "deadline-asc" ? a.deadline - b.deadline : b.deadline - a.deadline;
    return difference !== 0 ? difference : a.index - b.index;
  });
  return indexed.map((entry) => entry.todo);
}
