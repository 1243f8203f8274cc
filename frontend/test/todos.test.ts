import { describe, expect, it } from "vitest";

import type { Todo } from "../src/api/types";
import { describeDeadline, filterTodos, formatDuration, sortTodos } from "../src/state/todos";

function todo(id: string, fields: Partial<Todo> = {}): Todo {
  return {
    id,
    task: `task ${id}`,
    status: "not started",
    deadline: null,
    time_to_complete: null,
    solutions: [],
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
    ...fields,
  };
}

// Tuesday 8 December 2026, 10:00 UTC.
const NOW = new Date("2026-12-08T10:00:00Z");

describe("describeDeadline", () => {
  const cases: [string, string, string][] = [
    ["2026-12-08T17:00:00Z", "not started", "today"],
    ["2026-12-09T09:00:00Z", "not started", "tomorrow"],
    ["2026-12-11T17:00:00Z", "in progress", "in 3 days"],
    ["2026-12-08T09:00:00Z", "not started", "overdue (today)"],
    ["2026-12-07T17:00:00Z", "not started", "overdue (yesterday)"],
    ["2026-12-05T17:00:00Z", "in progress", "overdue (3 days ago)"],
    ["2026-12-05T17:00:00Z", "done", "3 days ago"],
  ];

  for (const [deadline, status, expected] of cases) {
    it(`${deadline} ${status} reads "${expected}"`, () => {
      const description = describeDeadline(deadline, status as Todo["status"], NOW, "UTC");

      expect(description?.relative).toBe(expected);
      expect(description?.overdue).toBe(expected.startsWith("overdue"));
    });
  }

  it("counts calendar days in the given time zone", () => {
    // 23:30 on 8 December in UTC is already 9 December in Berlin.
    const description = describeDeadline("2026-12-09T12:00:00+01:00", "not started", new Date("2026-12-08T23:30:00Z"), "Europe/Berlin");

    expect(description?.relative).toBe("today");
  });

  it("shows the absolute date with weekday and time", () => {
    const description = describeDeadline("2026-12-11T17:00:00Z", "not started", NOW, "UTC");

    expect(description?.absolute).toMatch(/Fri/);
    expect(description?.absolute).toMatch(/11/);
    expect(description?.absolute).toMatch(/Dec/);
    expect(description?.absolute).toMatch(/2026/);
    expect(description?.absolute).toMatch(/17:00|5:00/);
    expect(description?.machineReadable).toBe("2026-12-11T17:00:00Z");
  });

  it("treats a date-only deadline as due at the end of that day", () => {
    const sameDay = new Date(2026, 11, 11, 20, 0);
    const description = describeDeadline("2026-12-11", "not started", sameDay);

    expect(description?.relative).toBe("today");
    expect(description?.overdue).toBe(false);
    expect(description?.absolute).not.toMatch(/:/);
  });

  it("returns null for an unparsable deadline", () => {
    expect(describeDeadline("next Friday", "not started", NOW)).toBeNull();
  });
});

describe("formatDuration", () => {
  it("formats minutes and hours", () => {
    expect(formatDuration(45)).toBe("45 min");
    expect(formatDuration(60)).toBe("1 h");
    expect(formatDuration(90)).toBe("1 h 30 min");
    expect(formatDuration(0)).toBe("0 min");
  });
});

describe("filterTodos", () => {
  const todos = [
    todo("a", { status: "not started" }),
    todo("b", { status: "in progress" }),
    todo("c", { status: "done" }),
    todo("d", { status: "archived" }),
  ];

  it("filters by one status", () => {
    expect(filterTodos(todos, "done").map((item) => item.id)).toEqual(["c"]);
  });

  it("keeps open to-dos for the open filter", () => {
    expect(filterTodos(todos, "open").map((item) => item.id)).toEqual(["a", "b"]);
  });

  it("keeps everything for all", () => {
    expect(filterTodos(todos, "all")).toHaveLength(4);
  });
});

describe("sortTodos", () => {
  const todos = [
    todo("no-deadline"),
    todo("late", { deadline: "2026-12-20T10:00:00Z" }),
    todo("soon", { deadline: "2026-12-09T10:00:00Z" }),
    todo("date-only", { deadline: "2026-12-15" }),
    todo("also-none"),
  ];

  it("puts the soonest deadline first and none last", () => {
    expect(sortTodos(todos, "deadline-asc").map((item) => item.id)).toEqual([
      "soon",
      "date-only",
      "late",
      "no-deadline",
      "also-none",
    ]);
  });

  it("puts the latest deadline first and none last", () => {
    expect(sortTodos(todos, "deadline-desc").map((item) => item.id)).toEqual([
      "late",
      "date-only",
      "soon",
      "no-deadline",
      "also-none",
    ]);
  });

  it("keeps the API order for created", () => {
    expect(sortTodos(todos, "created-asc").map((item) => item.id)).toEqual(todos.map((item) => item.id));
  });

  it("does not change its input", () => {
    const copy = todos.slice();
    sortTodos(todos, "deadline-asc");

    expect(todos).toEqual(copy);
  });
});
