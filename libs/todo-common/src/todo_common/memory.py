"""The long-term memory layout in LangGraph's PostgresStore.

Each user has three namespaces: `("todo", user)`, one item per to-do;
`("profile", user)` and `("instructions", user)`, one item each under the key
`MAIN_KEY`. The worker writes them through PostgresStore; todo-read reads the
same rows with SQL, so the layout is a contract and lives here.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

TODO = "todo"
PROFILE = "profile"
INSTRUCTIONS = "instructions"
MAIN_KEY = "main"

TodoStatus = Literal["not started", "in progress", "done", "archived"]
TODO_STATUSES: tuple[str, ...] = ("not started", "in progress", "done", "archived")


def namespace_label(user_id: str) -> str:
    """Encode a user id as a namespace label.

    PostgresStore joins namespace labels with '.', and rejects labels that
    contain one, so '%' and '.' are percent-encoded. OIDC subjects and e-mail
    addresses often contain dots.
    """
    return user_id.replace("%", "%25").replace(".", "%2E")


def namespace(kind: str, user_id: str) -> tuple[str, str]:
    """Return the store namespace of one kind of memory for one user."""
    return (kind, namespace_label(user_id))


def store_prefix(kind: str, user_id: str) -> str:
    """Return the `store.prefix` column value that PostgresStore writes for a namespace."""
    return ".".join(namespace(kind, user_id))


class Todo(BaseModel):
    """A to-do as stored in the `todo` namespace (the item's key is its id)."""

    task: str = Field(min_length=1)
    status: TodoStatus = "not started"
    # ISO 8601 with the user's UTC offset, resolved in code from the user's words.
    deadline: datetime | None = None
    time_to_complete: int | None = Field(default=None, ge=0, description="minutes")
    solutions: list[str] = Field(default_factory=list)


class Profile(BaseModel):
    """The facts the assistant remembers about the person."""

    name: str | None = None
    location: str | None = None
    job: str | None = None
    connections: list[str] = Field(default_factory=list)
    interests: list[str] = Field(default_factory=list)


class Instructions(BaseModel):
    """The person's preferences for how to-dos are written."""

    text: str
