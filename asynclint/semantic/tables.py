"""Facts about libraries: canonical names, what calls return, what attributes hold."""

from __future__ import annotations

# Re-exported or private spellings -> the name rules and tables use.
CANONICAL: dict[str, str] = {
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlmodel.Session": "sqlalchemy.orm.Session",
    "sqlmodel.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoping.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.ext.asyncio.session.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlmodel.ext.asyncio.session.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.session.async_sessionmaker": (
        "sqlalchemy.ext.asyncio.async_sessionmaker"
    ),
    "sqlalchemy.engine.create_engine": "sqlalchemy.create_engine",
    "sqlmodel.create_engine": "sqlalchemy.create_engine",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.utils.from_url": "redis.from_url",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "redis.asyncio.StrictRedis": "redis.asyncio.Redis",
    "redis.asyncio.client.StrictRedis": "redis.asyncio.Redis",
    "aioredis.StrictRedis": "aioredis.Redis",
    "aioredis.client.Redis": "aioredis.Redis",
    "requests.sessions.Session": "requests.Session",
    "requests.sessions.session": "requests.session",
    "requests.api": "requests",
    "httpx._client.Client": "httpx.Client",
    "httpx._client.AsyncClient": "httpx.AsyncClient",
    "httpx._api": "httpx",
    "fastapi.applications.FastAPI": "fastapi.FastAPI",
    "fastapi.routing.APIRouter": "fastapi.APIRouter",
    "fastapi.param_functions.Depends": "fastapi.Depends",
    "fastapi.params.Depends": "fastapi.Depends",
    "fastapi.param_functions.Security": "fastapi.Security",
    "fastapi.params.Security": "fastapi.Security",
    "starlette.concurrency.run_in_threadpool": "fastapi.concurrency.run_in_threadpool",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "passlib.CryptContext": "passlib.context.CryptContext",
    "psycopg.connection.Connection": "psycopg.Connection",
    "psycopg2.extensions.connect": "psycopg2.connect",
    "mysql.connector.MySQLConnection": "mysql.connector.connection.MySQLConnection",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
    "asyncpg.pool.Pool": "asyncpg.Pool",
    "asyncpg.pool.create_pool": "asyncpg.create_pool",
    "asyncpg.connection.Connection": "asyncpg.Connection",
    "asyncpg.connection.connect": "asyncpg.connect",
    "sqlalchemy.ext.asyncio.engine.create_async_engine": (
        "sqlalchemy.ext.asyncio.create_async_engine"
    ),
    "redis.asyncio.utils.from_url": "redis.asyncio.from_url",
    "databases.core.Database": "databases.Database",
}

# Callable (function, method as `Class.method`, or instance `Class.__call__`) -> result type.
RETURNS: dict[str, str] = {
    "requests.session": "requests.Session",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.Redis.pipeline": "redis.client.Pipeline",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis",
    "aioredis.from_url": "aioredis.Redis",
    "aioredis.Redis.from_url": "aioredis.Redis",
    "asyncio.get_running_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.new_event_loop": "asyncio.AbstractEventLoop",
    "sqlite3.connect": "sqlite3.Connection",
    "sqlite3.Connection.cursor": "sqlite3.Cursor",
    "psycopg2.connect": "psycopg2.extensions.connection",
    "psycopg2.extensions.connection.cursor": "psycopg2.extensions.cursor",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "psycopg.Connection.cursor": "psycopg.Cursor",
    "psycopg.AsyncConnection.connect": "psycopg.AsyncConnection",
    "pymysql.connect": "pymysql.connections.Connection",
    "pymysql.connections.Connection.cursor": "pymysql.cursors.Cursor",
    "mysql.connector.connect": "mysql.connector.connection.MySQLConnection",
    "mysql.connector.connection.MySQLConnection.cursor": "mysql.connector.cursor.MySQLCursor",
    "asyncpg.connect": "asyncpg.Connection",
    "asyncpg.create_pool": "asyncpg.Pool",
    "asyncpg.Pool.acquire": "asyncpg.Connection",
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.ext.asyncio.async_scoped_session": "sqlalchemy.ext.asyncio.async_scoped_session",
    "sqlalchemy.orm.sessionmaker.__call__": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.sessionmaker.begin": "sqlalchemy.orm.Session",
    "sqlalchemy.ext.asyncio.async_sessionmaker.begin": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.async_scoped_session.__call__": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.orm.scoped_session.__call__": "sqlalchemy.orm.Session",
    "sqlalchemy.ext.asyncio.async_sessionmaker.__call__": "sqlalchemy.ext.asyncio.AsyncSession",
    "pymongo.collection.Collection.find": "pymongo.cursor.Cursor",
    "httpx.AsyncClient.stream": "httpx.Response",
    "httpx.Client.stream": "httpx.Response",
    "pathlib.Path.cwd": "pathlib.Path",
    "pathlib.Path.home": "pathlib.Path",
    "pathlib.Path.joinpath": "pathlib.Path",
    "pathlib.Path.with_suffix": "pathlib.Path",
    "pathlib.Path.with_name": "pathlib.Path",
    "pathlib.Path.with_stem": "pathlib.Path",
    "pathlib.Path.resolve": "pathlib.Path",
    "pathlib.Path.absolute": "pathlib.Path",
    "pathlib.Path.expanduser": "pathlib.Path",
    "pathlib.Path.relative_to": "pathlib.Path",
}

# `instance.attr` / `instance[key]` -> type; `Type.*` matches any attribute.
ATTRIBUTES: dict[str, str] = {
    "pathlib.Path.parent": "pathlib.Path",
    "pymongo.MongoClient.*": "pymongo.database.Database",
    "pymongo.MongoClient.__getitem__": "pymongo.database.Database",
    "pymongo.database.Database.*": "pymongo.collection.Collection",
    "pymongo.database.Database.__getitem__": "pymongo.collection.Collection",
}

# Module-level objects of libraries, and the class they are an instance of.
KNOWN_INSTANCES: dict[str, str] = {
    "fastapi_sqlalchemy.db.session": "sqlalchemy.orm.Session",
    "flask_sqlalchemy.SQLAlchemy.session": "sqlalchemy.orm.scoped_session",
}

# Names that look like classes (capitalised) but whose call result is not an instance we track.
NOT_CONSTRUCTORS = frozenset({"fastapi.Depends", "fastapi.Security"})

TYPING_MODULES = frozenset({"typing", "typing_extensions", "collections.abc"})
UNION_WRAPPERS = frozenset({"Optional", "Union"})
FIRST_ARG_WRAPPERS = frozenset(
    {"Annotated", "Generator", "Iterator", "AsyncGenerator", "AsyncIterator", "Iterable"}
)

APP_TYPES = frozenset({"fastapi.FastAPI", "fastapi.APIRouter"})
#: What runs a whole service: what a `lifespan` is handed.
APPLICATIONS = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette"})
# What a handler receives for the request itself: its data, and a `state` that lives one request.
#: An uploaded file, as FastAPI hands it to a route (`file: UploadFile`, `= File()`).
UPLOAD_TYPES = frozenset(
    {"fastapi.UploadFile", "starlette.datastructures.UploadFile", "fastapi.File"}
)
REQUEST_TYPES = frozenset(
    {
        "fastapi.Request",
        "fastapi.WebSocket",
        "starlette.requests.Request",
        "starlette.websockets.WebSocket",
    }
)
DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security"})

# Callables that run their first callable argument in a worker thread.
THREAD_RUNNERS: dict[str, int] = {
    "asyncio.to_thread": 0,
    "fastapi.concurrency.run_in_threadpool": 0,
    "anyio.to_thread.run_sync": 0,
    "asgiref.sync.sync_to_async": 0,
}
# Methods of any event loop that do the same, with the callable's argument index.
THREAD_RUNNER_METHODS: dict[str, int] = {"run_in_executor": 1}

# Starting an event loop of one's own: the module is a script, not part of a served app.
LOOP_RUNNERS = frozenset({"asyncio.run", "anyio.run", "trio.run", "uvloop.run"})
LOOP_RUNNER_METHODS = frozenset({"run_until_complete", "run_forever"})
