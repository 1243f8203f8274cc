"""Deadline phrases resolve in the user's time zone, with the documented rules."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from agent_worker.deadlines import DeadlineResolver

PARIS = ZoneInfo("Europe/Paris")
# Friday 4 December 2026, 10:00 in Paris.
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=PARIS)


@pytest.fixture(scope="module")
def resolver() -> DeadlineResolver:
    return DeadlineResolver()


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("by Friday", datetime(2026, 12, 11, 23, 59, tzinfo=PARIS)),
        ("Friday.", datetime(2026, 12, 11, 23, 59, tzinfo=PARIS)),
        ("by Monday", datetime(2026, 12, 7, 23, 59, tzinfo=PARIS)),
        ("tomorrow", datetime(2026, 12, 5, 23, 59, tzinfo=PARIS)),
        ("tomorrow evening", datetime(2026, 12, 5, 18, 0, tzinfo=PARIS)),
        ("tomorrow at 6pm", datetime(2026, 12, 5, 18, 0, tzinfo=PARIS)),
        ("tonight", datetime(2026, 12, 4, 20, 0, tzinfo=PARIS)),
        ("in 3 days", datetime(2026, 12, 7, 23, 59, tzinfo=PARIS)),
        ("end of the week", datetime(2026, 12, 6, 23, 59, tzinfo=PARIS)),
        ("end of the month", datetime(2026, 12, 31, 23, 59, tzinfo=PARIS)),
        ("this weekend", datetime(2026, 12, 5, 23, 59, tzinfo=PARIS)),
        ("2026-12-20", datetime(2026, 12, 20, 23, 59, tzinfo=PARIS)),
        ("December 24 at 3pm", datetime(2026, 12, 24, 15, 0, tzinfo=PARIS)),
        ("before March", datetime(2027, 3, 1, 23, 59, tzinfo=PARIS)),
    ],
)
def test_resolve_phrase(resolver, phrase, expected):
    assert resolver.resolve(phrase, NOW) == expected


@pytest.mark.parametrize("phrase", [None, "", "   ", "whenever", "someday maybe"])
def test_resolve_returns_none_without_date(resolver, phrase):
    assert resolver.resolve(phrase, NOW) is None


def test_resolve_uses_user_time_zone(resolver):
    # 23:30 on Thursday in Los Angeles is already Friday in UTC.
    los_angeles = ZoneInfo("America/Los_Angeles")
    now = datetime(2026, 12, 3, 23, 30, tzinfo=los_angeles)
    assert resolver.resolve("tomorrow", now) == datetime(
        2026, 12, 4, 23, 59, tzinfo=los_angeles
    )


def test_resolve_rejects_naive_now(resolver):
    with pytest.raises(ValueError, match="timezone-aware"):
        resolver.resolve("tomorrow", datetime(2026, 12, 4, 10, 0))
