"""Tables of blocking calls, by qualified name (see `asynclint.semantic.tables` for types)."""

from __future__ import annotations

from dataclasses import dataclass, field

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")


# (table, qualified names) -> match: the same names recur in every file of a project.
_MATCHES: dict[tuple[int, frozenset[str]], str | None] = {}


@dataclass(frozen=True)
class CallTable:
    """Qualified names of calls: exact functions plus every method of some classes."""

    functions: frozenset[str] = frozenset()
    #: Class -> methods; an empty set means every method.
    methods: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Methods that do no I/O, excluded where `methods` is "every method".
    harmless: frozenset[str] = frozenset()
    #: Function name prefixes such as `os.spawn`.
    prefixes: tuple[str, ...] = ()

    def match(self, qnames: frozenset[str]) -> str | None:
        """The first (sorted, so deterministic) qualified name in this table, if any."""
        if not qnames:
            return None
        key = (id(self), qnames)
        if key not in _MATCHES:
            _MATCHES[key] = self._match(qnames)
        return _MATCHES[key]

    def _match(self, qnames: frozenset[str]) -> str | None:
        for qname in sorted(qnames):
            if qname in self.functions or qname.startswith(self.prefixes or ("\0",)):
                return qname
            owner, _, method = qname.rpartition(".")
            allowed = self.methods.get(owner)
            if allowed is None:
                continue
            if method in allowed or (not allowed and method not in self.harmless):
                return qname
        return None


def _verbs(module: str) -> frozenset[str]:
    return frozenset(f"{module}.{verb}" for verb in HTTP_VERBS)


BLOCKING_HTTP = CallTable(
    functions=_verbs("requests")
    | _verbs("httpx")
    | {
        "httpx.stream",
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib3.request",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
        "ftplib.FTP_TLS",
        "socket.create_connection",
    },
    methods={
        "requests.Session": frozenset(HTTP_VERBS) | {"send"},
        "httpx.Client": frozenset(HTTP_VERBS) | {"send", "stream"},
        "urllib3.PoolManager": frozenset({"request", "urlopen", "request_encode_url"}),
        "http.client.HTTPConnection": frozenset({"request", "getresponse", "connect"}),
        "http.client.HTTPSConnection": frozenset({"request", "getresponse", "connect"}),
        "smtplib.SMTP": frozenset(),
        "smtplib.SMTP_SSL": frozenset(),
        "ftplib.FTP": frozenset(),
        "ftplib.FTP_TLS": frozenset(),
    },
    harmless=frozenset({"set_debuglevel", "set_pasv"}),
)

BLOCKING_SLEEP = CallTable(functions=frozenset({"time.sleep"}))

BLOCKING_FILE_IO = CallTable(
    functions=frozenset(
        {
            "builtins.open",
            "io.open",
            "shutil.copy",
            "shutil.copy2",
            "shutil.copyfile",
            "shutil.copyfileobj",
            "shutil.copytree",
            "shutil.move",
            "shutil.rmtree",
            "shutil.make_archive",
            "shutil.unpack_archive",
        }
    ),
    methods={
        "pathlib.Path": frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "open"})
    },
)

BLOCKING_SUBPROCESS = CallTable(
    functions=frozenset(
        {
            "subprocess.run",
            "subprocess.call",
            "subprocess.check_call",
            "subprocess.check_output",
            "subprocess.Popen",
            "subprocess.getoutput",
            "subprocess.getstatusoutput",
            "os.system",
            "os.popen",
            "os.wait",
            "os.wait3",
            "os.wait4",
            "os.waitpid",
            "os.waitid",
        }
    ),
    methods={"subprocess.Popen": frozenset({"wait", "communicate"})},
    prefixes=("os.spawn", "os.posix_spawn"),
)

# The catalogue's Session methods, plus `rollback` and `merge` (both talk to the database) and
# SQLModel's `exec`.
_SESSION_IO = frozenset(
    {
        "query",
        "execute",
        "scalars",
        "scalar",
        "get",
        "commit",
        "flush",
        "refresh",
        "exec",
        "rollback",
        "merge",
    }
)
_CURSOR_IO = frozenset({"execute", "executemany", "fetchone", "fetchall", "fetchmany"})
_CONNECTION_IO = frozenset({"execute", "executemany", "commit", "rollback"})

BLOCKING_DB = CallTable(
    functions=frozenset(
        {
            "psycopg2.connect",
            "psycopg.connect",
            "psycopg.Connection.connect",
            "sqlite3.connect",
            "pymysql.connect",
            "mysql.connector.connect",
        }
    ),
    methods={
        "sqlalchemy.orm.Session": _SESSION_IO,
        "sqlalchemy.orm.scoped_session": _SESSION_IO,
        "redis.Redis": frozenset(),
        "redis.client.Pipeline": frozenset({"execute"}),
        "pymongo.MongoClient": frozenset(),
        "pymongo.database.Database": frozenset(),
        "pymongo.collection.Collection": frozenset(),
        "sqlite3.Connection": _CONNECTION_IO,
        "sqlite3.Cursor": _CURSOR_IO,
        "psycopg2.extensions.connection": _CONNECTION_IO,
        "psycopg2.extensions.cursor": _CURSOR_IO,
        "psycopg.Connection": _CONNECTION_IO,
        "psycopg.Cursor": _CURSOR_IO,
        "pymysql.connections.Connection": _CONNECTION_IO,
        "pymysql.cursors.Cursor": _CURSOR_IO,
        "mysql.connector.connection.MySQLConnection": _CONNECTION_IO,
        "mysql.connector.cursor.MySQLCursor": _CURSOR_IO,
    },
    harmless=frozenset(
        {
            "pipeline",
            "pubsub",
            "lock",
            "register_script",
            "get_encoder",
            "get_connection_kwargs",
            "get_database",
            "get_default_database",
            "get_collection",
            "with_options",
            "start_session",
        }
    ),
)

BLOCKING_CPU = CallTable(
    functions=frozenset(
        {
            "bcrypt.hashpw",
            "bcrypt.checkpw",
            "bcrypt.kdf",
            "hashlib.pbkdf2_hmac",
            "hashlib.scrypt",
        }
    ),
    methods={
        "passlib.context.CryptContext": frozenset({"hash", "verify", "verify_and_update"}),
        "argon2.PasswordHasher": frozenset({"hash", "verify"}),
        "pwdlib.PasswordHash": frozenset({"hash", "verify", "verify_and_update"}),
        **{
            f"passlib.hash.{scheme}": frozenset({"hash", "verify", "encrypt"})
            for scheme in ("bcrypt", "bcrypt_sha256", "argon2", "pbkdf2_sha256", "sha256_crypt")
        },
    },
)

#: What ASL101-105 and ASL107 flag on the loop: a sync helper making one of these blocks (ASL106).
BLOCKING_TABLES = (
    BLOCKING_HTTP,
    BLOCKING_SLEEP,
    BLOCKING_FILE_IO,
    BLOCKING_SUBPROCESS,
    BLOCKING_DB,
    BLOCKING_CPU,
)
