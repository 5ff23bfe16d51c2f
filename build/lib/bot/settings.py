"""The one settings object: every environment variable hiendien reads, with its default.

Read from the environment and from a ``.env`` file in the working directory. Nothing
else in the code reads ``os.environ``. ``.env.example`` lists the same names.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    hiendien_database_url: str = Field(
        default="sqlite:///./data/hiendien.db",
        description="SQLAlchemy URL; SQLite by default, postgresql://… for the scale path",
    )
    hiendien_host: str = "127.0.0.1"
    hiendien_port: int = 8080
    hiendien_public_url: str | None = None
    hiendien_content_dir: Path = ROOT / "content"
    hiendien_log_level: str = "INFO"

    telegram_bot_token: str | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: str | None = None
    telegram_leads_chat_id: str | None = None
    # Telegram messages a second in all (its bulk limit is about 30).
    telegram_max_per_second: float = 30

    zalo_app_id: str | None = None
    zalo_app_secret: str | None = None
    zalo_oa_secret_key: str | None = None
    zalo_refresh_token: str | None = None
    zalo_api_base_url: str = "https://openapi.zalo.me"
    zalo_oauth_base_url: str = "https://oauth.zaloapp.com"
    # How Zalo signs webhooks: "app_id" (the documented recipe), "oa_id" (the OA id in place
    # of the app id) or "header_timestamp" (the timestamp from X-ZEvent-Timestamp).
    zalo_signature_variant: str = "app_id"
    # Hours the bot stays quiet for a resident after ward staff replied in the OA manager.
    zalo_handover_hours: float = 12

    # Only for the test suite: where the PostgreSQL test database is (set by .ci/run).
    hiendien_test_postgres_url: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
