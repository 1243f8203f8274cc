"""The structured output the model fills in to decide what to remember.

Small local models do not make tool calls reliably, but they follow a JSON
schema when the server constrains decoding to it. So instead of choosing tools,
the model returns one `MemoryDecision` per turn. Every field is required (null
or an empty list when there is nothing to say), as OpenAI's strict schemas
demand.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TodoChange(BaseModel):
    """A new to-do, or a change to an existing one picked by its `ref`."""

    model_config = ConfigDict(extra="forbid")

    ref: str | None = Field(
        description="Number of the existing to-do to change, or null for a new to-do."
    )
    task: str = Field(description="Short description of the task.")
    status: Literal["not started", "in progress", "done", "archived"]
    deadline: str | None = Field(
        description="The user's own words for when it is due, e.g. 'by Friday', or null."
    )
    time_to_complete: int | None = Field(description="Estimated minutes, or null.")
    solutions: list[str] = Field(description="Concrete ideas for getting it done.")


class ProfileChange(BaseModel):
    """Facts about the person stated in the message."""

    model_config = ConfigDict(extra="forbid")

    name: str | None
    location: str | None
    job: str | None
    connections: list[str] = Field(description="People in the person's life.")
    interests: list[str]


class MemoryDecision(BaseModel):
    """Everything to save from one user message."""

    model_config = ConfigDict(extra="forbid")

    todos: list[TodoChange]
    profile: ProfileChange | None
    instructions: str | None = Field(
        description="How the user wants to-dos written, if the message says so; else null."
    )
