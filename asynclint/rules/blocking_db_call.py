from __future__ import annotations

from asynclint.rules._blocking import _BlockingCallRule
from asynclint.rules._calls import BLOCKING_DB


class BlockingDbCall(_BlockingCallRule):
    """## What it does
    Checks for sync database drivers used on the event loop: `psycopg2.connect`, sync
    `psycopg.connect`, `sqlite3.connect`, `pymysql.connect`, `mysql.connector.connect`, their
    connections and cursors, `pymongo.MongoClient`, sync `redis.Redis` clients, and the sync
    SQLAlchemy `Session` (`query`, `execute`, `scalars`, `scalar`, `get`, `commit`, `flush`,
    `refresh`). The receiver is recognised by its origin (constructor, parameter annotation,
    what a `Depends` target returns or yields), never by its name.

    ## Why is this bad?
    A sync driver waits for the database on the thread it runs on. In an `async def` route that
    thread is the event loop, so every query stalls every other request. A sync `Session` from
    `Depends(get_db)` in an `async def` route is the most common case.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session

    from app.db import get_db
    from app.models import User

    app = FastAPI()

    @app.get("/users")
    async def list_users(db: Session = Depends(get_db)):
        return db.query(User).all()
    ```

    Use instead:
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session

    from app.db import get_db
    from app.models import User

    app = FastAPI()

    @app.get("/users")
    def list_users(db: Session = Depends(get_db)):
        return db.query(User).all()
    ```
    A plain `def` route runs in the threadpool. Or use `AsyncSession`, `asyncpg` or
    `redis.asyncio` and `await` the calls.

    ## References
    - [SQLAlchemy: Asynchronous I/O](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html)
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    """

    code = "ASL105"
    name = "blocking-db-call"
    fix_title = "Make the route a plain `def`, or use an async driver"
    table = BLOCKING_DB
