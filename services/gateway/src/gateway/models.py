"""Request and response bodies of the gateway's API."""

from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator
from todo_common.auth import DEV_USER_PATTERN

# tzdata also lists files that are not zone names: "localtime" is the server's
# own zone, "posixrules" and "Factory" are placeholders.
KNOWN_TIMEZONES = frozenset(available_timezones()) - {
    "localtime",
    "posixrules",
    "Factory",
}


class DevTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(
        pattern=DEV_USER_PATTERN.pattern,
        description="User name: 1 to 64 letters, digits, '.', '_', '@' or '-'.",
        examples=["alice"],
    )


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class AuthConfig(BaseModel):
    mode: Literal["dev", "oidc"]
    issuer: str | None
    audience: str | None
    client_id: str | None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The length limit is MAX_MESSAGE_CHARS, checked by the route, so it can be configured.
    message: str = Field(
        min_length=1, examples=["Remind me to book swim lessons by Friday"]
    )
    timezone: str = Field(
        default="UTC",
        description="IANA time zone that relative deadlines are resolved in.",
        examples=["Europe/Paris"],
    )

    @field_validator("message")
    @classmethod
    def reject_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message must contain more than white space")
        if "\x00" in value:
            raise ValueError("message must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                "message is not valid Unicode (it has a lone surrogate)"
            ) from exc
        return value

    @field_validator("timezone")
    @classmethod
    def check_timezone(cls, value: str) -> str:
        if value not in KNOWN_TIMEZONES:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like 'Europe/Paris'"
            )
        try:
            ZoneInfo(value)
        except ZoneInfoNotFoundError as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class NewChat(ChatMessage):
    pass


class ContinueChat(ChatMessage):
    thread_id: UUID


class ChatAccepted(BaseModel):
    job_id: UUID
    thread_id: UUID
    stream_url: str


class JobStatusResponse(BaseModel):
    job_id: UUID
    thread_id: UUID
    status: Literal["queued", "running", "succeeded", "failed"]
