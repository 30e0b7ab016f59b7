"""User accounts."""

import csv
import hashlib
import io
from pathlib import Path

import requests
from fastapi import APIRouter, Depends, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ..cache import cached_json, store_json
from ..config import settings
from ..crud import email_taken
from ..db import get_async_db, get_db
from ..models import User
from ..schemas import UserCreate, UserOut
from ..security import get_current_user, pwd_context

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/", response_model=list[UserOut])
async def list_users(db: Session = Depends(get_db)) -> list[User]:
    return db.query(User).order_by(User.id).all()  # expect: ASL105


@router.get("/available")
async def email_available(email: str, db: Session = Depends(get_db)) -> dict[str, bool]:
    # The query is one module away, in crud.py: still on the event loop.
    return {"available": not email_taken(db, email)}  # expect: ASL106


@router.get("/search", response_model=list[UserOut])
async def search_users(q: str, db: AsyncSession = Depends(get_async_db)) -> list[User]:
    result = await db.execute(select(User).where(User.email.ilike(f"%{q}%")).limit(50))
    return list(result.scalars())


@router.get("/export.csv")
def export_users(db: Session = Depends(get_db)) -> StreamingResponse:
    # A plain `def` route: FastAPI runs it in the threadpool, so blocking here is fine.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "email", "full_name"])
    for user in db.query(User).order_by(User.id):
        writer.writerow([user.id, user.email, user.full_name])
    buffer.seek(0)
    return StreamingResponse(buffer, media_type="text/csv")


@router.get("/me", response_model=UserOut)
async def read_me(current: User = Depends(get_current_user)) -> User:
    return current


@router.get("/{user_id}", response_model=UserOut)
async def get_user(user_id: int, db: Session = Depends(get_db)) -> User:
    user = db.execute(select(User).where(User.id == user_id)).scalar_one_or_none()  # expect: ASL105
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return user


@router.post("/", response_model=UserOut, status_code=201)
async def create_user(payload: UserCreate, db: Session = Depends(get_db)) -> User:
    hashed = await run_in_threadpool(pwd_context.hash, payload.password)
    user = User(email=payload.email, full_name=payload.full_name, hashed_password=hashed)
    db.add(user)
    db.commit()  # expect: ASL105
    db.refresh(user)  # expect: ASL105
    return user


@router.post("/me/avatar", response_model=UserOut)
async def upload_avatar(
    file: UploadFile,
    current: User = Depends(get_current_user),
    db: Session = Depends(get_db),
) -> User:
    contents = await file.read()
    suffix = Path(file.filename or "avatar.png").suffix
    dest = Path(settings.avatar_dir) / f"{current.id}{suffix}"
    with open(dest, "wb") as out:  # expect: ASL103
        out.write(contents)
    current.avatar_url = f"/static/avatars/{dest.name}"
    db.commit()  # expect: ASL105
    return current


@router.post("/me/avatar/gravatar", response_model=UserOut)
async def use_gravatar(
    current: User = Depends(get_current_user), db: Session = Depends(get_db)
) -> User:
    digest = hashlib.md5(current.email.strip().lower().encode()).hexdigest()
    url = f"https://www.gravatar.com/avatar/{digest}?d=404"
    response = requests.get(url, timeout=5)  # expect: ASL101
    if response.status_code == 404:
        raise HTTPException(status_code=404, detail="No Gravatar for this address")
    current.avatar_url = url
    db.commit()  # expect: ASL105
    return current


@router.get("/{user_id}/directory")
async def directory_entry(user_id: int) -> dict[str, object]:
    cache_key = f"directory:{user_id}"
    if (cached := await cached_json(cache_key)) is not None:
        return cached
    url = f"{settings.directory_url}/{user_id}"
    response = await run_in_threadpool(requests.get, url, timeout=5)
    response.raise_for_status()
    entry = response.json()
    await store_json(cache_key, entry, ttl=3600)
    return entry
