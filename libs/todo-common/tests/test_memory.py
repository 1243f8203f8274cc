"""Namespace labels survive user ids with dots and percent signs."""

import pytest
from todo_common.memory import TODO, namespace, store_prefix


@pytest.mark.parametrize(
    ("user_id", "label"),
    [
        ("alice", "alice"),
        ("a.b@example.com", "a%2Eb@example%2Ecom"),
        ("100%", "100%25"),
        ("%2E", "%252E"),
    ],
)
def test_namespace_encodes_dots(user_id, label):
    assert namespace(TODO, user_id) == ("todo", label)
    assert "." not in label
    assert store_prefix(TODO, user_id) == f"todo.{label}"
