"""API keys for partners, inbound events, and outgoing webhooks."""

import secrets
import time

import bcrypt
import httpx
import requests
from fastapi import APIRouter, Depends, Header, HTTPException, Query, status
from sqlalchemy.orm import Session

from ..config import settings
from ..db import get_db
from ..models import ApiKey, User
from ..schemas import ApiKeyOut, WebhookDelivery
from ..security import get_current_user

router = APIRouter(prefix="/integrations", tags=["integrations"])


async def verify_api_key(x_api_key: str = Header(), db: Session = Depends(get_db)) -> ApiKey:
    key = db.query(ApiKey).filter(ApiKey.prefix == x_api_key[:8]).first()  # expect: ASL105
    if key is None or not bcrypt.checkpw(x_api_key.encode(), key.key_hash):  # expect: ASL107
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid API key")
    return key


@router.post("/api-keys", response_model=ApiKeyOut, status_code=201)
async def create_api_key(
    current: User = Depends(get_current_user), db: Session = Depends(get_db)
) -> ApiKeyOut:
    raw = secrets.token_urlsafe(32)
    key_hash = bcrypt.hashpw(raw.encode(), bcrypt.gensalt())  # expect: ASL107
    db.add(ApiKey(owner_id=current.id, prefix=raw[:8], key_hash=key_hash))
    db.commit()  # expect: ASL105
    return ApiKeyOut(key=raw, prefix=raw[:8])


async def notify_slack(text: str) -> None:
    for attempt in range(3):
        response = requests.post(  # expect: ASL101
            settings.slack_webhook_url,
            json={"text": text},
            timeout=5,
        )
        if response.ok:
            return
        time.sleep(2**attempt)  # expect: ASL102


@router.post("/events", status_code=202)
async def ingest_event(
    event: dict[str, object], key: ApiKey = Depends(verify_api_key)
) -> dict[str, str]:
    await notify_slack(f"Event {event.get('type', '?')} received from key {key.prefix}")
    return {"status": "accepted"}


@router.post("/webhooks/test")
def send_test_webhook(
    delivery: WebhookDelivery, key: ApiKey = Depends(verify_api_key)
) -> dict[str, int]:
    # Sync route (threadpool): a blocking `requests.post` is acceptable here.
    response = requests.post(str(delivery.url), json={"event": "ping"}, timeout=5)
    return {"status_code": response.status_code}


@router.post("/webhooks/redeliver")
async def redeliver_webhooks(
    requests: dict[str, WebhookDelivery],
    delivery_ids: list[str] = Query(),
    key: ApiKey = Depends(verify_api_key),
) -> dict[str, int]:
    """Re-send failed deliveries; the body maps delivery id to the original request."""
    delivered = 0
    async with httpx.AsyncClient(timeout=10) as client:  # expect: ASL201
        for delivery_id in delivery_ids:
            delivery = requests.get(delivery_id)
            if delivery is None:
                continue
            body = {"event": delivery.event, "payload": delivery.payload}
            response = await client.post(str(delivery.url), json=body)  # expect: ASL302
            delivered += response.is_success
    return {"delivered": delivered}
