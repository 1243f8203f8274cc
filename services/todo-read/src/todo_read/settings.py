"""todo-read settings. Each field name is also its environment variable."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from todo_common.settings import AuthSettings, CommonSettings


class TodoReadSettings(CommonSettings, AuthSettings):
    """Everything todo-read reads from its environment, checked at start-up."""

    model_config = SettingsConfigDict(extra="ignore")

    # Address and port uvicorn listens on.
    host: str = "127.0.0.1"
    port: int = Field(default=8001, gt=0, lt=65536)
    db_pool_min_size: int = Field(default=1, ge=0)
    db_pool_max_size: int = Field(default=10, gt=0)
