"""Request and response bodies."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, HttpUrl


class UserCreate(BaseModel):
    email: EmailStr
    full_name: str = ""
    password: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: EmailStr
    full_name: str
    avatar_url: str | None
    created_at: datetime


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class ReportRequest(BaseModel):
    title: str
    month: str  # "2024-05"


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    status: str
    created_at: datetime


class ApiKeyOut(BaseModel):
    key: str
    prefix: str


class WebhookDelivery(BaseModel):
    url: HttpUrl
    event: str
    payload: dict[str, object]
