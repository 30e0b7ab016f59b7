"""Password hashing, tokens and the current-user dependency."""

from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from passlib.context import CryptContext
from sqlalchemy.orm import Session

from .config import settings
from .db import get_db
from .models import User

pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")


def create_access_token(subject: str) -> str:
    expires = datetime.now(timezone.utc) + timedelta(minutes=settings.access_token_minutes)
    claims = {"sub": subject, "exp": expires}
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


async def authenticate_user(db: Session, email: str, password: str) -> User | None:
    user = db.query(User).filter(User.email == email).first()  # expect: ASL105
    if user is None or not pwd_context.verify(password, user.hashed_password):  # expect: ASL107
        return None
    if pwd_context.needs_update(user.hashed_password):
        user.hashed_password = pwd_context.hash(password)  # expect: ASL107
        db.commit()  # expect: ASL105
    return user


async def get_current_user(
    token: str = Depends(oauth2_scheme), db: Session = Depends(get_db)
) -> User:
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[settings.jwt_algorithm])
    except jwt.PyJWTError:
        raise unauthorized from None
    user = db.get(User, int(claims["sub"]))  # expect: ASL105
    if user is None or not user.is_active:
        raise unauthorized
    return user
