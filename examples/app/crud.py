"""Queries shared by the routers (sync: they take the sync `Session`)."""

from sqlalchemy.orm import Session

from .models import User


def get_user_by_email(db: Session, email: str) -> User | None:
    return db.query(User).filter(User.email == email).first()


def email_taken(db: Session, email: str) -> bool:
    return get_user_by_email(db, email) is not None
