"""Load demo users: ``python -m app.seed``. Waits for the database container to come up."""

import logging
import time

from sqlalchemy.exc import OperationalError

from .db import SessionLocal, engine
from .models import Base, User
from .security import pwd_context

DEMO_USERS = [
    ("ada@acme.io", "Ada Lovelace"),
    ("grace@acme.io", "Grace Hopper"),
    ("alan@acme.io", "Alan Turing"),
]


def seed() -> int:
    Base.metadata.create_all(bind=engine)
    created = 0
    with SessionLocal() as db:
        for email, name in DEMO_USERS:
            if db.query(User).filter(User.email == email).first() is None:
                password = pwd_context.hash("demo-password")
                db.add(User(email=email, full_name=name, hashed_password=password))
                created += 1
        db.commit()
    return created


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    for attempt in range(1, 11):
        try:
            count = seed()
        except OperationalError:
            logging.warning("database not ready (attempt %d/10), retrying", attempt)
            time.sleep(2)
        else:
            logging.info("seeded %d demo users", count)
            break
    else:
        raise SystemExit("database never became available")
