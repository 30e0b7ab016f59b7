"""Service settings, read from the environment (``ACME_*``)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACME_", env_file=".env")

    database_url: str = "postgresql+psycopg2://acme:acme@localhost:5432/acme"
    async_database_url: str = "postgresql+asyncpg://acme:acme@localhost:5432/acme"
    analytics_db: str = "/var/lib/acme/analytics.sqlite3"
    redis_host: str = "localhost"
    redis_port: int = 6379
    jwt_secret: str = "change-me"
    jwt_algorithm: str = "HS256"
    access_token_minutes: int = 30
    avatar_dir: str = "/var/lib/acme/avatars"
    report_dir: str = "/var/lib/acme/reports"
    archive_dir: str = "/mnt/archive/reports"
    template_dir: str = "app/templates"
    bi_url: str = "https://bi.internal.acme.io/api"
    fx_url: str = "https://api.exchangerate.host/latest?base=EUR"
    directory_url: str = "https://directory.internal.acme.io/v1/people"
    slack_webhook_url: str = ""


settings = Settings()
