import { useState } from "react";

import { TODO_STATUSES, type Todo } from "../api/types";
import {
  type StatusFilter,
  type TodoSort,
  describeDeadline,
  filterTodos,
  formatDuration,
  sortTodos,
} from "../state/todos";
import { useNow } from "../state/useNow";

interface TodoPanelProps {
  todos: Todo[] | null;
  loading: boolean;
  error: string | null;
  onRetry: () => void;
}

const STATUS_CLASS: Record<string, string> = {
  "not started": "status-not-started",
  "in progress": "status-in-progress",
  done: "status-done",
  archived: "status-archived",
};

function TodoItem({ todo, now }: { todo: Todo; now: Date }) {
  const deadline = todo.deadline ? describeDeadline(todo.deadline, todo.status, now) : null;

  return (
    <li className="todo">
      <div className="todo-heading">
        <h3 className="todo-task">{todo.task}</h3>
        <span className={`status-badge ${STATUS_CLASS[todo.status] ?? ""}`}>
          <span className="visually-hidden">Status: </span>
          {todo.status}
        </span>
      </div>
      <dl className="todo-fields">
        <div>
          <dt>Deadline</dt>
          <dd>
            {todo.deadline === null && "None"}
            {todo.deadline !== null && deadline === null && todo.deadline}
            {deadline && (
              <>
                <time dateTime={deadline.machineReadable}>{deadline.absolute}</time>{" "}
                <span className={deadline.overdue ? "relative overdue" : "relative"}>({deadline.relative})</span>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Estimated time</dt>
          <dd>{todo.time_to_complete === null ? "Unknown" : formatDuration(todo.time_to_complete)}</dd>
        </div>
        {/* Definitions rather than a nested list, so each to-do is the only list item in its row. */}
        {todo.solutions.length > 0 && (
          <div className="solutions">
            <dt>Solutions</dt>
            {todo.solutions.map((solution, index) => (
              <dd key={index}>{solution}</dd>
            ))}
          </div>
        )}
      </dl>
    </li>
  );
}

export function TodoPanel({ todos, loading, error, onRetry }: TodoPanelProps) {
  const [filter, setFilter] = useState<StatusFilter>("all");
  const [sort, setSort] = useState<TodoSort>("deadline-asc");
  const now = useNow();

  const all = todos ?? [];
  const shown = sortTodos(filterTodos(all, filter), sort);

  return (
    <section className="panel todos" aria-labelledby="todos-heading">
      <div className="panel-heading">
        <h2 id="todos-heading" tabIndex={-1}>
          To-dos
        </h2>
        {loading && todos !== null && (
          <span className="hint" role="status">
            Updating…
          </span>
        )}
      </div>

      <div className="todo-controls">
        <label>
          Status
          <select value={filter} onChange={(event) => setFilter(event.target.value as StatusFilter)}>
            <option value="all">All</option>
            <option value="open">Open</option>
            {TODO_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status[0].toUpperCase() + status.slice(1)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(event) => setSort(event.target.value as TodoSort)}>
            <option value="deadline-asc">Soonest deadline</option>
            <option value="deadline-desc">Latest deadline</option>
            <option value="created-asc">Oldest first</option>
          </select>
        </label>
      </div>

      {error && (
        <div className="notice notice-error" role="alert">
          <p>The to-dos could not be loaded: {error}</p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      )}
      {todos === null && loading && !error && <p role="status">Loading to-dos…</p>}
      {todos !== null && all.length === 0 && <p className="empty">No to-dos yet. Ask the assistant to remember something for you.</p>}
      {all.length > 0 && (
        <p className="hint">
          Showing {shown.length} of {all.length}.
        </p>
      )}
      {shown.length > 0 && (
        <ul className="todo-list">
          {shown.map((todo) => (
            <TodoItem key={todo.id} todo={todo} now={now} />
          ))}
        </ul>
      )}
    </section>
  );
}
