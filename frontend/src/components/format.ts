/** Formats an ISO 8601 time as a short local date and time, or returns it unchanged when it does not parse. */
export function formatDateTime(iso: string | null): string {
  if (!iso) {
    return "";
  }
  const time = Date.parse(iso);
  if (Number.isNaN(time)) {
    return iso;
  }
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(time));
}
