#!/usr/bin/env python3
"""Generate a deterministic, FastAPI-shaped Python corpus for benchmarking asynclint.

Usage::

    python benchmarks/make_corpus.py OUTDIR [--lines N] [--seed S]

The corpus is a set of fake services (``<service>/app/<domain>/routes.py``, ``models.py``,
``schemas.py``, ``crud.py``, ``services.py``, ``deps.py``, ``config.py`` ...).  Pitfalls
(blocking calls in ``async def``, clients created per request, N+1 loops, ...) are
sprinkled at roughly one per 150 lines, next to an equal number of look-alike
non-pitfalls (the same calls in sync code, behind ``asyncio.to_thread`` and so on).

Besides the Python files, ``OUTDIR/manifest.json`` lists every planted pitfall and
look-alike with its file, line and kind, so the corpus can also be used to eyeball
recall and false positives.  Only the standard library is used.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import shutil
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_LINES = 220_000
DEFAULT_SEED = 20240611
PITFALL_EVERY = 150  # aim for one planted pitfall per this many lines
DECOY_EVERY = 150  # and one look-alike non-pitfall per this many lines

# --------------------------------------------------------------------------------------
# Word pools
# --------------------------------------------------------------------------------------

DOMAINS: list[tuple[str, list[str]]] = [
    ("billing", ["Invoice", "CreditNote", "BillingAccount"]),
    ("catalog", ["Product", "Category", "Bundle"]),
    ("inventory", ["StockItem", "StockMovement", "Bin"]),
    ("shipping", ["Shipment", "Parcel", "Carrier"]),
    ("orders", ["Order", "Cart", "Quote"]),
    ("payments", ["Payment", "Payout", "Chargeback"]),
    ("notifications", ["Notification", "Template", "Subscription"]),
    ("reviews", ["Review", "Rating", "Report"]),
    ("reports", ["Report", "Dashboard", "Metric"]),
    ("support", ["Ticket", "Conversation", "Macro"]),
    ("tenants", ["Tenant", "Workspace", "Organization"]),
    ("webhooks", ["Webhook", "Endpoint", "Delivery"]),
    ("media", ["Asset", "Album", "Upload"]),
    ("scheduling", ["Booking", "Slot", "Calendar"]),
    ("pricing", ["PriceList", "Discount", "TaxRule"]),
    ("loyalty", ["Reward", "PointsAccount", "Tier"]),
    ("audit", ["AuditEvent", "Trail", "Retention"]),
    ("integrations", ["Connector", "SyncJob", "Credential"]),
    ("messaging", ["Message", "Channel", "Thread"]),
    ("compliance", ["Policy", "Control", "Finding"]),
    ("warehouses", ["Warehouse", "Zone", "Dock"]),
    ("subscriptions", ["Plan", "Subscription", "Entitlement"]),
    ("coupons", ["Coupon", "Campaign", "Redemption"]),
    ("returns", ["ReturnRequest", "Inspection", "Refund"]),
    ("teams", ["Team", "Membership", "Invitation"]),
    ("projects", ["Project", "Milestone", "Task"]),
    ("documents", ["Document", "Folder", "Signature"]),
    ("fleet", ["Vehicle", "Driver", "Trip"]),
    ("procurement", ["PurchaseOrder", "Requisition", "Supplier"]),
    ("contracts", ["Contract", "Clause", "Renewal"]),
    ("surveys", ["Survey", "Question", "Response"]),
    ("crm", ["Lead", "Contact", "Opportunity"]),
    ("payroll", ["Payslip", "Employee", "Deduction"]),
    ("timesheets", ["Timesheet", "Shift", "Absence"]),
    ("maintenance", ["WorkOrder", "Inspection", "Part"]),
    ("devices", ["Device", "Firmware", "Sensor"]),
    ("telemetry", ["Reading", "Alert", "Stream"]),
    ("ledger", ["JournalEntry", "Account", "Transfer"]),
    ("forecasting", ["Forecast", "Scenario", "Driver"]),
    ("recruiting", ["Candidate", "JobOpening", "Interview"]),
    ("events", ["Venue", "Ticket", "Attendee"]),
    ("learning", ["Course", "Lesson", "Enrollment"]),
]
CHILD_SUFFIXES = ["Item", "Line", "Note", "Event", "Attachment", "Entry", "Revision", "Comment"]
SERVICE_PREFIXES = [
    "acme", "northwind", "bluebird", "orbit", "lumen", "harbor", "summit", "cobalt",
    "pioneer", "atlas", "juniper", "meridian", "falcon", "quartz", "tundra", "evergreen",
    "helios", "aurora", "basalt", "cedar", "delta", "ember", "fjord", "granite",
]  # fmt: skip
SERVICE_SUFFIXES = ["api", "service", "backend", "platform", "gateway", "hub", "core"]
USER_NAMES = ["current_user", "user", "actor", "principal", "me"]
DB_NAMES = ["db", "session", "db", "db"]
PARTNER_PATHS = ["lookup", "enrich", "v2/records", "catalog/search", "resolve", "v1/objects"]
PDF_BINARIES = ["wkhtmltopdf", "weasyprint", "chromium-render"]
THUMB_TOOLS = ["convert", "vips", "ffmpeg"]

COMMENTS = [
    "# TODO: switch to keyset pagination once the table grows",
    "# keep the response shape stable, the mobile client depends on it",
    "# the partner API is flaky on Mondays, be generous with timeouts",
    "# NOTE: ordering matters for the export diff job",
    "# FIXME: this should be a background task",
    "# avoid leaking internal ids to anonymous callers",
    "# see ADR-0012 for why we do not cascade here",
    "# cheap check first, the expensive one below",
    "# legacy behaviour, remove after the v3 migration",
    "# the frontend sends empty strings instead of nulls",
    "# metrics are scraped every 15s",
    "# this path is hot, keep it allocation-light",
]
DOC_VERBS = {
    "list": ["Return a page of {es}.", "List {es}, newest first.", "Search and page through {es}."],
    "get": ["Fetch one {e} by id.", "Return a single {e}.", "Look up a {e}."],
    "create": ["Create a {e}.", "Register a new {e}.", "Persist a new {e} for the caller."],
    "update": ["Apply a partial update to a {e}.", "Patch the given {e}."],
    "delete": ["Delete a {e}.", "Remove the {e} and its children."],
}

# name, annotation, column type, pydantic default (may be ""), sample value, optional
FIELDS: list[tuple[str, str, str, str, str, bool]] = [
    ("name", "str", "String(120)", "Field(min_length=1, max_length=120)", '"Widget"', False),
    ("title", "str", "String(200)", "Field(min_length=1, max_length=200)", '"Q3 plan"', False),
    ("code", "str", "String(32)", 'Field(pattern=r"^[A-Z0-9_-]+$")', '"ABC-1"', False),
    ("slug", "str", "String(80)", 'Field(pattern=r"^[a-z0-9-]+$")', '"alpha-beta"', False),
    ("sku", "str", "String(40)", "Field(max_length=40)", '"SKU-1001"', False),
    ("description", "str | None", "Text", "None", '"longer text"', True),
    ("status", "str", "String(32)", 'Field(default="active", max_length=32)', '"active"', False),
    ("amount", "Decimal", "Numeric(12, 2)", "Field(ge=0)", 'Decimal("19.99")', False),
    ("quantity", "int", "Integer", "Field(default=1, ge=1)", "3", False),
    ("currency", "str", "String(3)", 'Field("EUR", min_length=3, max_length=3)', '"EUR"', False),
    ("email", "str", "String(255)", "Field(max_length=255)", '"ops@example.com"', False),
    ("is_active", "bool", "Boolean", "True", "True", False),
    ("priority", "int", "Integer", "Field(default=0, ge=0, le=10)", "2", False),
    ("external_ref", "str | None", "String(64)", "None", '"ext-42"', True),
    ("score", "float", "Float", "Field(default=0.0, ge=0)", "4.5", False),
    ("country", "str", "String(2)", 'Field("DE", min_length=2, max_length=2)', '"FR"', False),
    ("due_date", "date | None", "Date", "None", "date(2024, 5, 1)", True),
    ("notes", "str | None", "Text", "None", '"handle with care"', True),
    ("weight_kg", "float | None", "Float", "None", "1.25", True),
    ("version", "int", "Integer", "1", "1", False),
    ("position", "int", "Integer", "0", "0", False),
    ("source", "str", "String(40)", 'Field(default="api", max_length=40)', '"import"', False),
]  # fmt: skip
LABEL_FIELDS = ("name", "title", "code", "slug", "sku")

STDLIB = {
    "__future__", "asyncio", "csv", "dataclasses", "datetime", "decimal", "enum", "functools",
    "hashlib", "hmac", "io", "itertools", "json", "logging", "os", "pathlib", "re", "secrets",
    "shutil", "subprocess", "tempfile", "threading", "time", "typing", "uuid", "collections",
    "contextlib", "urllib", "math", "statistics", "string", "zipfile", "gzip", "base64",
    "html", "unicodedata", "zoneinfo", "calendar",
}  # fmt: skip

# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"@\{(\w+)\}")
_ALONE = re.compile(r"^(\s*)@\{(\w+)\}\s*$")
_MARK = re.compile(r"\s*#!([PD]):([a-z0-9-]+)\s*$")


def fill(template: str, values: dict[str, str]) -> str:
    """Substitute ``@{key}`` tokens; a known token alone on a line is indented as a block."""
    out: list[str] = []
    for line in textwrap.dedent(template).strip("\n").split("\n"):
        alone = _ALONE.match(line)
        if alone and alone.group(2) in values:
            block = values[alone.group(2)]
            if not block:
                continue
            prefix = alone.group(1)
            out.extend((prefix + b) if b.strip() else "" for b in block.split("\n"))
            continue
        # unknown keys are left alone: ``f"{user}@{domain}"`` is ordinary generated code
        out.append(_TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), line))
    return "\n".join(out)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def indent(text: str, levels: int = 1) -> str:
    pad = "    " * levels
    return "\n".join(pad + line if line.strip() else "" for line in text.split("\n"))


def _import_order(name: str) -> tuple[int, str]:
    """isort's "order by type": CONSTANTS, then Classes, then functions."""
    bare = name.split(" as ")[0]
    if bare.isupper() and len(bare) > 1:
        return (0, bare)
    return (1 if bare[:1].isupper() else 2, bare.lower())


class Imports:
    """Collect import lines and render them in three sorted groups."""

    def __init__(self, spec: str = "") -> None:
        self.plain: set[str] = set()
        self.names: dict[str, set[str]] = {}
        self.add(spec)

    def add(self, spec: str) -> None:
        for item in (s.strip() for s in spec.split(";")):
            if not item:
                continue
            if ":" in item:
                module, names = item.split(":", 1)
                bucket = self.names.setdefault(module.strip(), set())
                bucket.update(n.strip() for n in names.split(",") if n.strip())
            else:
                self.plain.add(item)

    def render(self) -> str:
        groups: list[list[str]] = [[], [], [], []]
        entries: list[tuple[str, str]] = [(m, f"import {m}") for m in self.plain]
        for module, names in self.names.items():
            ordered = sorted(names, key=_import_order)
            joined = ", ".join(ordered)
            line = f"from {module} import {joined}"
            if len(line) > 96:
                inner = "".join(f"    {n},\n" for n in ordered)
                line = f"from {module} import (\n{inner})"
            entries.append((module, line))
        for module, line in entries:
            root = module.split(".")[0]
            if module == "__future__":
                groups[0].append(line)
            elif root in STDLIB:
                groups[1].append(line)
            elif root == "app":
                groups[3].append(line)
            else:
                groups[2].append(line)
        rendered = ["\n".join(sorted(g, key=lambda s: (s.startswith("from"), s))) for g in groups]
        return "\n\n".join(r for r in rendered if r)


# --------------------------------------------------------------------------------------
# Model of the generated project
# --------------------------------------------------------------------------------------


@dataclass
class FieldSpec:
    name: str
    annotation: str
    column: str
    default: str
    sample: str
    optional: bool


@dataclass
class Entity:
    cls: str
    fields: list[FieldSpec]
    parent: Entity | None = None

    @property
    def snake(self) -> str:
        return snake(self.cls)

    @property
    def plural(self) -> str:
        return plural(self.snake)

    @property
    def label(self) -> str:
        for f in self.fields:
            if f.name in LABEL_FIELDS:
                return f.name
        return self.fields[0].name


@dataclass
class Domain:
    pkg: str
    entity: Entity
    child: Entity
    async_db: bool
    db: str
    user: str
    legacy_deps: bool
    legacy_models: bool
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class Project:
    name: str
    root: Path
    async_db: bool
    legacy_models: bool
    domains: list[Domain] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


class Generator:
    def __init__(self, outdir: Path, seed: int) -> None:
        self.outdir = outdir
        self.rng = random.Random(seed)
        self.lines = 0
        self.files = 0
        self.pitfalls_planned = 0
        self.decoys_planned = 0
        self.manifest: list[dict[str, object]] = []
        self.used_services: set[str] = set()

    # ---- randomness helpers ----------------------------------------------------------

    def pick(self, seq: list[str] | tuple[str, ...]) -> str:
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def comment(self, p: float = 0.25) -> str:
        return self.pick(COMMENTS) if self.chance(p) else ""

    def mode(self) -> str:
        """Decide what an injection slot gets: a pitfall ``P``, a look-alike ``D`` or nothing."""
        deficit = self.lines / PITFALL_EVERY - self.pitfalls_planned
        if self.chance(min(0.95, max(0.02, 0.2 + 0.3 * deficit))):
            self.pitfalls_planned += 1
            return "P"
        deficit = self.lines / DECOY_EVERY - self.decoys_planned
        if self.chance(min(0.95, max(0.02, 0.2 + 0.3 * deficit))):
            self.decoys_planned += 1
            return "D"
        return "-"

    # ---- output ----------------------------------------------------------------------

    def write(self, path: Path, text: str) -> None:
        rel = path.relative_to(self.outdir).as_posix()
        out: list[str] = []
        for number, raw in enumerate(text.rstrip("\n").split("\n"), start=1):
            mark = _MARK.search(raw)
            line = raw
            if mark:
                line = raw[: mark.start()]
                self.manifest.append(
                    {
                        "file": rel,
                        "line": number,
                        "kind": mark.group(2),
                        "pitfall": mark.group(1) == "P",
                    }
                )
            out.append(line.rstrip())
        source = "\n".join(out) + "\n"
        try:
            ast.parse(source, filename=rel)
        except SyntaxError as exc:  # a bug in this generator, show the context
            start = max(0, (exc.lineno or 1) - 6)
            context = "\n".join(
                f"{i + 1:5d}: {s}" for i, s in enumerate(out[start : start + 12], start)
            )
            raise SystemExit(f"generated invalid Python in {rel}: {exc}\n{context}") from exc
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        self.lines += len(out)
        self.files += 1

    def module(self, path: Path, doc: str, imports: Imports, blocks: Iterable[str]) -> None:
        parts = [f'"""{doc}"""', imports.render()]
        body = [b.strip("\n") for b in blocks if b.strip()]
        text = "\n\n".join(p for p in parts if p)
        if body:
            text += "\n\n\n" + "\n\n\n".join(body)
        self.write(path, text)

    # ---- top level -------------------------------------------------------------------

    def run(self, target_lines: int) -> None:
        while self.lines < target_lines:
            self.project(target_lines)
        manifest = {
            "files": self.files,
            "lines": self.lines,
            "pitfalls": Counter(str(m["kind"]) for m in self.manifest if m["pitfall"]),
            "lookalikes": Counter(str(m["kind"]) for m in self.manifest if not m["pitfall"]),
            "entries": self.manifest,
        }
        (self.outdir / "manifest.json").write_text(
            json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )

    def service_name(self) -> str:
        while True:
            name = f"{self.pick(SERVICE_PREFIXES)}_{self.pick(SERVICE_SUFFIXES)}"
            if name in self.used_services:
                name = f"{name}_{len(self.used_services)}"
            if name not in self.used_services:
                self.used_services.add(name)
                return name

    def make_entity(self, cls: str, parent: Entity | None = None) -> Entity:
        label = self.pick(LABEL_FIELDS)
        pool = [f for f in FIELDS if f[0] not in LABEL_FIELDS]
        chosen = self.rng.sample(pool, self.rng.randint(3, 7))
        specs = [next(f for f in FIELDS if f[0] == label), *chosen]
        return Entity(cls=cls, fields=[FieldSpec(*f) for f in specs], parent=parent)

    def project(self, target_lines: int) -> None:
        name = self.service_name()
        root = self.outdir / name
        project = Project(
            name=name,
            root=root,
            async_db=self.chance(0.55),
            legacy_models=self.chance(0.3),
        )
        pool = self.rng.sample(DOMAINS, self.rng.randint(6, 14))
        for pkg, classes in pool:
            cls = self.pick(classes)
            entity = self.make_entity(cls)
            child = self.make_entity(cls + self.pick(CHILD_SUFFIXES), parent=entity)
            async_db = project.async_db if self.chance(0.85) else not project.async_db
            domain = Domain(
                pkg=pkg,
                entity=entity,
                child=child,
                async_db=async_db,
                db=self.pick(DB_NAMES),
                user=self.pick(USER_NAMES),
                legacy_deps=self.chance(0.25),
                legacy_models=project.legacy_models,
            )
            domain.values = self.domain_values(domain)
            project.domains.append(domain)
        self.project_files(project)
        done: list[Domain] = []
        for domain in project.domains:
            self.domain_files(project, domain)
            done.append(domain)
            if self.lines >= target_lines:
                break
        project.domains = done
        self.main_module(project)

    # ---- substitution values -----------------------------------------------------------

    def domain_values(self, d: Domain) -> dict[str, str]:
        e, c = d.entity, d.child
        fk = f"{e.snake}_id"
        session = "AsyncSession" if d.async_db else "Session"
        getdb = "get_async_db" if d.async_db else "get_db"
        if d.legacy_deps:
            dbparam = f"{d.db}: {session} = Depends({getdb})"
            sync_dbparam = f"{d.db}: Session = Depends(get_db)"
        else:
            dbparam = f"{d.db}: Annotated[{session}, Depends({getdb})]"
            sync_dbparam = f"{d.db}: Annotated[Session, Depends(get_db)]"
        cols = [f.name for f in e.fields[:4]]
        strs = [f.name for f in e.fields if f.annotation == "str" and f.name != e.label]
        return {
            "E": e.cls,
            "e": e.snake,
            "es": e.plural,
            "C": c.cls,
            "c": c.snake,
            "cs": c.plural,
            "fk": fk,
            "label": e.label,
            "clabel": c.label,
            "str2": strs[0] if strs else e.label,
            "db": d.db,
            "S": session,
            "getdb": getdb,
            "dbparam": dbparam,
            "sync_dbparam": sync_dbparam,
            "user": d.user,
            "pkg": d.pkg,
            "adef": "async def" if d.async_db else "def",
            "aw": "await " if d.async_db else "",
            "header": "[" + ", ".join(['"id"'] + [f'"{x}"' for x in cols]) + "]",
            "rowexpr": "(" + ", ".join(["row.id"] + [f"row.{x}" for x in cols]) + ")",
            "ENV": d.pkg.upper(),
        }

    def call(self, d: Domain, fn: str, args: str, in_async: bool = True) -> str:
        """A call of a ``crud`` function that is correct for the domain's session flavour."""
        if d.async_db:
            return f"await crud.{fn}({args})"
        if in_async:
            return f"await run_in_threadpool(crud.{fn}, {args})"
        return f"crud.{fn}({args})"

    # ---- project-level files ---------------------------------------------------------

    def project_files(self, p: Project) -> None:
        app = p.root / "app"
        self.write(app / "__init__.py", f'"""The {p.name} application package."""\n')
        self.config_module(p)
        self.db_modules(p)
        self.security_module(p)
        self.auth_module(p)
        self.http_module(p)
        self.users_domain(p)
        for util in self.rng.sample(UTIL_BUILDERS, self.rng.randint(2, len(UTIL_BUILDERS))):
            util(self, p)

    def config_module(self, p: Project) -> None:
        extra = self.rng.sample(
            [
                "feature_flags: dict[str, bool] = {}",
                "sentry_dsn: str | None = None",
                "max_upload_mb: int = 25",
                "default_page_size: int = 50",
                "enable_metrics: bool = True",
                's3_bucket: str = "uploads"',
            ],
            3,
        )
        body = fill(
            """
            class Settings(BaseSettings):
                \"\"\"Runtime configuration, read from the environment and ``.env``.\"\"\"

                model_config = SettingsConfigDict(
                    env_file=".env", env_prefix="@{PREFIX}_", extra="ignore"
                )

                environment: str = "development"
                database_url: str = "postgresql+psycopg://app:app@localhost:5432/@{name}"
                async_database_url: str = "postgresql+asyncpg://app:app@localhost:5432/@{name}"
                redis_url: str = "redis://localhost:6379/@{redis_db}"
                http_timeout: float = @{timeout}
                cors_origins: list[str] = ["http://localhost:3000"]
                jwt_secret: str = "change-me"
                jwt_algorithm: str = "HS256"
                access_token_minutes: int = @{minutes}
                partner_api_url: str = "https://partner.example.com/api"
                partner_api_token: str = ""
                notifications_url: str = "http://notifications.internal"
                public_base_url: str = "http://localhost:8000"
                pdf_binary: str = "@{pdf}"
                export_dir: Path = Path("/var/tmp/@{name}/exports")
                @{extra}

                @property
                def is_production(self) -> bool:
                    return self.environment.lower() in {"prod", "production"}


            @lru_cache
            def get_settings() -> Settings:
                return Settings()
            """,
            {
                "PREFIX": p.name.upper(),
                "name": p.name,
                "redis_db": str(self.rng.randint(0, 7)),
                "timeout": self.pick(["5.0", "10.0", "15.0", "30.0"]),
                "minutes": self.pick(["15", "30", "60", "120"]),
                "pdf": self.pick(PDF_BINARIES),
                "extra": "\n".join(extra),
            },
        )
        imports = Imports(
            "__future__:annotations; functools:lru_cache; pathlib:Path; "
            "pydantic_settings:BaseSettings,SettingsConfigDict"
        )
        self.module(p.root / "app/core/config.py", "Service settings.", imports, [body])
        self.write(p.root / "app/core/__init__.py", '"""Cross-cutting building blocks."""\n')

    def db_modules(self, p: Project) -> None:
        if p.legacy_models:
            base = "Base = declarative_base()"
            base_imp = "sqlalchemy.orm:declarative_base"
        else:
            base = fill(
                """
                class Base(DeclarativeBase):
                    \"\"\"Declarative base shared by every model of @{name}.\"\"\"

                    type_annotation_map = {dict[str, Any]: JSON}
                """,
                {"name": p.name},
            )
            base_imp = "typing:Any; sqlalchemy:JSON; sqlalchemy.orm:DeclarativeBase"
        self.module(
            p.root / "app/db/base.py",
            "Declarative base class.",
            Imports(f"__future__:annotations; {base_imp}"),
            [base],
        )
        self.write(p.root / "app/db/__init__.py", '"""Database plumbing."""\n')
        session = fill(
            """
            settings = get_settings()

            engine = create_engine(
                settings.database_url, pool_pre_ping=True, pool_size=@{pool}, max_overflow=@{over}
            )
            SessionLocal = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)

            async_engine = create_async_engine(
                settings.async_database_url, pool_size=@{pool}, pool_recycle=@{recycle}
            )
            AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)


            def get_db() -> Iterator[Session]:
                \"\"\"Yield a synchronous session, closed when the request is done.\"\"\"
                db = SessionLocal()
                try:
                    yield db
                finally:
                    db.close()


            async def get_async_db() -> AsyncIterator[AsyncSession]:
                \"\"\"Yield an ``AsyncSession``; roll back if the endpoint raised.\"\"\"
                async with AsyncSessionLocal() as session:
                    try:
                        yield session
                    except Exception:
                        await session.rollback()
                        raise


            @contextmanager
            def session_scope() -> Iterator[Session]:
                \"\"\"Transactional scope for scripts and background jobs.\"\"\"
                db = SessionLocal()
                try:
                    yield db
                    db.commit()
                except Exception:
                    db.rollback()
                    raise
                finally:
                    db.close()
            """,
            {
                "pool": str(self.pick(["5", "10", "20"])),
                "over": str(self.pick(["5", "10", "20"])),
                "recycle": str(self.pick(["1800", "3600"])),
            },
        )
        imports = Imports(
            "__future__:annotations; collections.abc:AsyncIterator,Iterator; "
            "contextlib:contextmanager; sqlalchemy:create_engine; "
            "sqlalchemy.ext.asyncio:AsyncSession,async_sessionmaker,create_async_engine; "
            "sqlalchemy.orm:Session,sessionmaker; app.core.config:get_settings"
        )
        self.module(p.root / "app/db/session.py", "Engines and sessions.", imports, [session])

    def security_module(self, p: Project) -> None:
        rounds = self.pick(["10", "12", "13"])
        blocks = [
            fill(
                """
                BCRYPT_ROUNDS = @{rounds}


                def hash_password(raw: str) -> str:
                    \"\"\"Hash a password; CPU bound, keep it off the event loop.\"\"\"
                    salt = bcrypt.gensalt(rounds=BCRYPT_ROUNDS)
                    return bcrypt.hashpw(raw.encode("utf-8"), salt).decode("ascii")  #!D:sync-def


                def verify_password(raw: str, hashed: str) -> bool:
                    return bcrypt.checkpw(raw.encode("utf-8"), hashed.encode("ascii"))  #!D:sync-def


                def create_access_token(subject: str, minutes: int | None = None) -> str:
                    settings = get_settings()
                    lifetime = timedelta(minutes=minutes or settings.access_token_minutes)
                    claims: dict[str, Any] = {
                        "sub": subject,
                        "exp": datetime.now(timezone.utc) + lifetime,
                        "jti": secrets.token_hex(8),
                    }
                    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


                def decode_token(token: str) -> dict[str, Any]:
                    settings = get_settings()
                    return jwt.decode(
                        token, settings.jwt_secret, algorithms=[settings.jwt_algorithm]
                    )
                """,
                {"rounds": rounds},
            )
        ]
        mode = self.mode()
        if mode == "P":
            blocks.append(
                """
async def verify_password_async(raw: str, hashed: str) -> bool:
    \"\"\"Async flavour used by the login endpoint.\"\"\"
    return bcrypt.checkpw(raw.encode("utf-8"), hashed.encode("ascii"))  #!P:blocking-crypto
"""
            )
        else:
            blocks.append(
                """
async def verify_password_async(raw: str, hashed: str) -> bool:
    \"\"\"Async flavour used by the login endpoint; bcrypt runs in a worker thread.\"\"\"
    return await asyncio.to_thread(verify_password, raw, hashed)


async def hash_password_async(raw: str) -> str:
    return await asyncio.to_thread(hash_password, raw)
"""
            )
        imports = Imports(
            "__future__:annotations; asyncio; secrets; datetime:datetime,timedelta,timezone; "
            "typing:Any; bcrypt; jwt; app.core.config:get_settings"
        )
        self.module(p.root / "app/core/security.py", "Passwords and tokens.", imports, blocks)

    def auth_module(self, p: Project) -> None:
        mode = self.mode()
        imports = Imports(
            "__future__:annotations; typing:Annotated; fastapi:Depends,HTTPException,status; "
            "fastapi.security:OAuth2PasswordBearer; jwt; app.core.security:decode_token; "
            "app.users.models:User"
        )
        values = {"n": self.pick(["Could not validate credentials", "Not authenticated"])}
        if p.async_db and mode != "P":
            imports.add("sqlalchemy.ext.asyncio:AsyncSession; app.db.session:get_async_db")
            getter = fill(
                """
                async def get_current_user(
                    token: Annotated[str, Depends(oauth2_scheme)],
                    db: Annotated[AsyncSession, Depends(get_async_db)],
                ) -> User:
                    try:
                        claims = decode_token(token)
                    except jwt.PyJWTError as exc:
                        raise _unauthorized() from exc
                    user = await db.get(User, int(claims["sub"]))
                    if user is None or not user.is_active:
                        raise _unauthorized()
                    return user
                """,
                values,
            )
        elif mode == "P":
            imports.add("sqlalchemy.orm:Session; app.db.session:get_db")
            getter = fill(
                """
                async def get_current_user(
                    token: Annotated[str, Depends(oauth2_scheme)],
                    db: Annotated[Session, Depends(get_db)],
                ) -> User:
                    try:
                        claims = decode_token(token)
                    except jwt.PyJWTError as exc:
                        raise _unauthorized() from exc
                    user_id = int(claims["sub"])
                    user = db.query(User).filter(User.id == user_id).first()  #!P:sync-session
                    if user is None or not user.is_active:
                        raise _unauthorized()
                    return user
                """,
                values,
            )
        else:
            imports.add("sqlalchemy.orm:Session; app.db.session:get_db")
            getter = fill(
                """
                def get_current_user(
                    token: Annotated[str, Depends(oauth2_scheme)],
                    db: Annotated[Session, Depends(get_db)],
                ) -> User:
                    # sync on purpose: FastAPI runs this in its threadpool
                    try:
                        claims = decode_token(token)
                    except jwt.PyJWTError as exc:
                        raise _unauthorized() from exc
                    user_id = int(claims["sub"])
                    user = db.query(User).filter(User.id == user_id).first()  #!D:sync-def
                    if user is None or not user.is_active:
                        raise _unauthorized()
                    return user
                """,
                values,
            )
        blocks = [
            'oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")',
            fill(
                """
                def _unauthorized() -> HTTPException:
                    return HTTPException(
                        status_code=status.HTTP_401_UNAUTHORIZED,
                        detail="@{n}",
                        headers={"WWW-Authenticate": "Bearer"},
                    )
                """,
                values,
            ),
            getter,
            fill(
                """
                def require_admin(user: Annotated[User, Depends(get_current_user)]) -> User:
                    if not user.is_admin:
                        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="admin only")
                    return user


                CurrentUser = Annotated[User, Depends(get_current_user)]
                AdminUser = Annotated[User, Depends(require_admin)]
                """,
                values,
            ),
        ]
        self.module(p.root / "app/core/auth.py", "Authentication dependencies.", imports, blocks)

    def http_module(self, p: Project) -> None:
        attempts = self.pick(["3", "4", "5"])
        blocks = [
            fill(
                """
                logger = logging.getLogger(__name__)

                P = ParamSpec("P")
                T = TypeVar("T")


                def get_http_client(request: Request) -> httpx.AsyncClient:
                    \"\"\"The shared client created in the lifespan handler.\"\"\"
                    return request.app.state.http


                HttpClient = Annotated[httpx.AsyncClient, Depends(get_http_client)]


                def retry(
                    attempts: int = @{attempts}, delay: float = 0.2
                ) -> Callable[[Callable[P, T]], Callable[P, T]]:
                    \"\"\"Retry a synchronous call with exponential backoff.\"\"\"

                    def decorator(fn: Callable[P, T]) -> Callable[P, T]:
                        @functools.wraps(fn)
                        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
                            for attempt in range(attempts):
                                try:
                                    return fn(*args, **kwargs)
                                except (OSError, TimeoutError) as exc:
                                    if attempt == attempts - 1:
                                        raise
                                    logger.debug("retrying %s after %r", fn.__name__, exc)
                                    time.sleep(delay * 2**attempt)  #!D:sync-def
                            raise AssertionError("unreachable")

                        return wrapper

                    return decorator


                def aretry(
                    attempts: int = @{attempts}, delay: float = 0.2
                ) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
                    \"\"\"Retry a coroutine function with exponential backoff.\"\"\"

                    def decorator(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
                        @functools.wraps(fn)
                        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
                            for attempt in range(attempts):
                                try:
                                    return await fn(*args, **kwargs)
                                except httpx.TransportError:
                                    if attempt == attempts - 1:
                                        raise
                                    await asyncio.sleep(delay * 2**attempt)  #!D:async-sleep
                            raise AssertionError("unreachable")

                        return wrapper

                    return decorator
                """,
                {"attempts": attempts},
            )
        ]
        imports = Imports(
            "__future__:annotations; asyncio; functools; logging; time; "
            "collections.abc:Awaitable,Callable; typing:Annotated,ParamSpec,TypeVar; httpx; "
            "fastapi:Depends,Request"
        )
        self.module(p.root / "app/core/http.py", "Shared HTTP client helpers.", imports, blocks)

    def users_domain(self, p: Project) -> None:
        root = p.root / "app/users"
        self.write(root / "__init__.py", '"""User accounts."""\n')
        if p.legacy_models:
            model = """
class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    email = Column(String(255), unique=True, nullable=False, index=True)
    hashed_password = Column(String(128), nullable=False)
    full_name = Column(String(120))
    is_active = Column(Boolean, default=True, nullable=False)
    is_admin = Column(Boolean, default=False, nullable=False)
    created_at = Column(DateTime(timezone=True), server_default=func.now())
"""
            mimp = "sqlalchemy:Boolean,Column,DateTime,Integer,String,func"
        else:
            model = """
class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    hashed_password: Mapped[str] = mapped_column(String(128))
    full_name: Mapped[str | None] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
"""
            mimp = (
                "datetime:datetime; sqlalchemy:Boolean,DateTime,String,func; "
                "sqlalchemy.orm:Mapped,mapped_column"
            )
        self.module(
            root / "models.py",
            "The user table.",
            Imports(f"__future__:annotations; {mimp}; app.db.base:Base"),
            [model],
        )
        schemas = """
class UserCreate(BaseModel):
    email: EmailStr
    password: str = Field(min_length=12, max_length=128)
    full_name: str | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: EmailStr
    full_name: str | None
    is_active: bool


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class PasswordChange(BaseModel):
    current_password: str
    new_password: str = Field(min_length=12, max_length=128)

    @model_validator(mode="after")
    def _differs(self) -> PasswordChange:
        if self.current_password == self.new_password:
            raise ValueError("the new password must differ from the current one")
        return self
"""
        self.module(
            root / "schemas.py",
            "User payloads.",
            Imports(
                "__future__:annotations; pydantic:BaseModel,ConfigDict,EmailStr,Field,"
                "model_validator"
            ),
            [schemas],
        )
        self.users_routes(p, root)

    def users_routes(self, p: Project, root: Path) -> None:
        imports = Imports(
            "__future__:annotations; typing:Annotated; fastapi:APIRouter,Depends,HTTPException,"
            "status; fastapi.security:OAuth2PasswordRequestForm; sqlalchemy:select; "
            "app.core.auth:CurrentUser; app.core.security:create_access_token; "
            "app.users.models:User; app.users.schemas:PasswordChange,Token,UserCreate,UserRead"
        )
        if p.async_db:
            imports.add("sqlalchemy.ext.asyncio:AsyncSession; app.db.session:get_async_db")
            v = {"S": "AsyncSession", "getdb": "get_async_db", "aw": "await ", "adef": "async def"}
        else:
            imports.add("sqlalchemy.orm:Session; app.db.session:get_db")
            v = {"S": "Session", "getdb": "get_db", "aw": "", "adef": "def"}
        blocks = ['router = APIRouter(tags=["auth"])']
        # registration
        mode = self.mode()
        if mode == "P" and p.async_db:
            imports.add("bcrypt")
            hashing = (
                "hashed = bcrypt.hashpw(payload.password.encode(), bcrypt.gensalt())"
                "  #!P:blocking-crypto\n"
                'user = User(email=payload.email, hashed_password=hashed.decode("ascii"),\n'
                "            full_name=payload.full_name)"
            )
            adef = "async def"
        elif mode == "P":
            imports.add("bcrypt")
            hashing = (
                "salt = bcrypt.gensalt()\n"
                "hashed = bcrypt.hashpw(payload.password.encode(), salt)  #!P:blocking-crypto\n"
                'user = User(email=payload.email, hashed_password=hashed.decode("ascii"),\n'
                "            full_name=payload.full_name)"
            )
            adef = "async def"
            v = {**v, "aw": ""}
        elif p.async_db:
            imports.add("fastapi.concurrency:run_in_threadpool; app.core.security:hash_password")
            hashing = (
                "hashed = await run_in_threadpool(hash_password, payload.password)"
                + ("  #!D:to-thread" if mode == "D" else "")
                + "\nuser = User(email=payload.email, hashed_password=hashed, "
                "full_name=payload.full_name)"
            )
            adef = "async def"
        else:
            imports.add("app.core.security:hash_password")
            hashing = (
                "hashed = hash_password(payload.password)\n"
                "user = User(email=payload.email, hashed_password=hashed, "
                "full_name=payload.full_name)"
            )
            adef = "def"
        if mode == "P" and not p.async_db:
            # an async endpoint on a sync session: only the hashing is planted, the
            # session work goes through the threadpool
            imports.add("fastapi.concurrency:run_in_threadpool")
            persist = (
                "exists = await run_in_threadpool(\n"
                "    lambda: db.scalar(select(User.id).where(User.email == payload.email))\n"
                ")\n"
                "if exists is not None:\n"
                '    raise HTTPException(status.HTTP_409_CONFLICT, detail="email already taken")\n'
                "@{hashing}\n"
                "db.add(user)\n"
                "await run_in_threadpool(db.commit)\n"
                "return user"
            )
        else:
            persist = (
                "exists = @{aw}db.scalar(select(User.id).where(User.email == payload.email))\n"
                "if exists is not None:\n"
                '    raise HTTPException(status.HTTP_409_CONFLICT, detail="email already taken")\n'
                "@{hashing}\n"
                "db.add(user)\n"
                "@{aw}db.commit()\n"
                "@{aw}db.refresh(user)\n"
                "return user"
            )
        body = fill(persist, {**v, "hashing": hashing})
        blocks.append(
            fill(
                """
                @router.post("/auth/register", response_model=UserRead, status_code=201)
                @{adef} register(
                    payload: UserCreate, db: Annotated[@{S}, Depends(@{getdb})]
                ) -> User:
                    @{body}
                """,
                {**v, "adef": adef, "body": body},
            )
        )
        # login
        mode = self.mode()
        if mode == "P":
            imports.add("bcrypt")
            check = (
                "if user is None or not bcrypt.checkpw(  #!P:blocking-crypto\n"
                '    form.password.encode(), user.hashed_password.encode("ascii")\n'
                "):"
            )
        elif mode == "D":
            imports.add("asyncio; bcrypt")
            check = (
                "ok = user is not None and await asyncio.to_thread(  #!D:to-thread\n"
                '    bcrypt.checkpw, form.password.encode(), user.hashed_password.encode("ascii")\n'
                ")\n"
                "if not ok:"
            )
        else:
            imports.add("app.core.security:verify_password_async")
            check = (
                "if user is None or not await verify_password_async(\n"
                "    form.password, user.hashed_password\n"
                "):"
            )
        if p.async_db:
            lookup = "user = await db.scalar(select(User).where(User.email == form.username))"
        else:
            imports.add("fastapi.concurrency:run_in_threadpool")
            lookup = (
                "user = await run_in_threadpool(\n"
                "    db.scalar, select(User).where(User.email == form.username)\n"
                ")"
            )
        blocks.append(
            fill(
                """
                @router.post("/auth/token", response_model=Token)
                async def login(
                    form: Annotated[OAuth2PasswordRequestForm, Depends()],
                    db: Annotated[@{S}, Depends(@{getdb})],
                ) -> Token:
                    @{lookup}
                    @{check}
                        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="bad credentials")
                    return Token(access_token=create_access_token(str(user.id)))


                @router.get("/users/me", response_model=UserRead)
                async def read_me(me: CurrentUser) -> User:
                    return me
                """,
                {**v, "lookup": lookup, "check": check},
            )
        )
        # change password: always sync def (a realistic non-pitfall)
        imports.add("app.core.security:hash_password,verify_password; sqlalchemy.orm:Session")
        imports.add("app.db.session:get_db")
        blocks.append(
            """
@router.post("/users/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    payload: PasswordChange, me: CurrentUser, db: Annotated[Session, Depends(get_db)]
) -> None:
    # bcrypt is slow on purpose; this endpoint is sync so it runs in the threadpool
    if not verify_password(payload.current_password, me.hashed_password):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="wrong password")
    me.hashed_password = hash_password(payload.new_password)
    db.merge(me)
    db.commit()
"""
        )
        self.module(root / "routes.py", "Registration, login and profile.", imports, blocks)

    def main_module(self, p: Project) -> None:
        imports = Imports(
            "__future__:annotations; logging; time; collections.abc:AsyncIterator,Awaitable,"
            "Callable; contextlib:asynccontextmanager; httpx; fastapi:FastAPI,Request,Response; "
            "fastapi.middleware.cors:CORSMiddleware; fastapi.responses:JSONResponse; "
            "redis:asyncio as aioredis; app.core.config:get_settings; "
            "app.db.session:async_engine; app.users.routes:router as users_router"
        )
        includes = ["app.include_router(users_router)"]
        for d in p.domains:
            imports.add(f"app.{d.pkg}.routes:router as {d.pkg}_router")
            includes.append(f'app.include_router({d.pkg}_router, prefix="/api")')
        mode = self.mode()
        health = ""
        if mode == "P":
            imports.add("subprocess")
            health = """
@app.get("/healthz/deep")
async def deep_health() -> dict[str, str]:
    out = subprocess.run(["pg_isready", "-q"], check=False)  #!P:blocking-subprocess
    return {"database": "ok" if out.returncode == 0 else "down"}
"""
        elif mode == "D":
            imports.add("subprocess")
            health = """
@app.get("/healthz/deep")
def deep_health() -> dict[str, str]:
    # sync handler: FastAPI runs it in a worker thread
    out = subprocess.run(["pg_isready", "-q"], check=False)  #!D:sync-def
    return {"database": "ok" if out.returncode == 0 else "down"}
"""
        blocks = [
            fill(
                """
                logger = logging.getLogger("@{name}")


                @asynccontextmanager
                async def lifespan(app: FastAPI) -> AsyncIterator[None]:
                    settings = get_settings()
                    app.state.http = httpx.AsyncClient(timeout=settings.http_timeout)  #!D:lifespan
                    app.state.redis = aioredis.from_url(settings.redis_url, decode_responses=True)
                    logger.info("starting @{name} (environment=%s)", settings.environment)
                    try:
                        yield
                    finally:
                        await app.state.http.aclose()
                        await app.state.redis.aclose()
                        await async_engine.dispose()


                app = FastAPI(title="@{title}", version="@{version}", lifespan=lifespan)
                app.add_middleware(
                    CORSMiddleware,
                    allow_origins=get_settings().cors_origins,
                    allow_methods=["*"],
                    allow_headers=["*"],
                )
                @{includes}


                @app.middleware("http")
                async def timing(
                    request: Request, call_next: Callable[[Request], Awaitable[Response]]
                ) -> Response:
                    started = time.perf_counter()  #!D:cheap-time
                    response = await call_next(request)
                    elapsed_ms = (time.perf_counter() - started) * 1000
                    response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
                    return response


                @app.exception_handler(ValueError)
                async def value_error_handler(request: Request, exc: ValueError) -> JSONResponse:
                    return JSONResponse(status_code=422, content={"detail": str(exc)})


                @app.get("/healthz")
                async def healthz() -> dict[str, str]:
                    return {"status": "ok"}
                """,
                {
                    "name": p.name,
                    "title": p.name.replace("_", " ").title(),
                    "version": f"{self.rng.randint(0, 4)}.{self.rng.randint(0, 30)}.0",
                    "includes": "\n".join(includes),
                },
            ),
            health,
        ]
        self.module(p.root / "app/main.py", f"{p.name} entry point.", imports, blocks)

    # ---- per-domain files -------------------------------------------------------------

    def domain_files(self, p: Project, d: Domain) -> None:
        root = p.root / "app" / d.pkg
        self.write(root / "__init__.py", f'"""The {d.pkg} domain."""\n')
        self.models_module(root, d)
        self.schemas_module(root, d)
        self.crud_module(root, d)
        self.deps_module(root, d)
        self.services_module(root, d)
        self.routes_module(root, d)
        if self.chance(0.6):
            self.domain_config(root, d)
        if self.chance(0.5):
            self.tasks_module(root, d)
        if self.chance(0.5):
            self.tests_module(p, d)

    def column(self, f: FieldSpec, legacy: bool, first: bool) -> str:
        extra = ", index=True" if first else ""
        if legacy:
            nullable = "True" if f.optional else "False"
            return f"{f.name} = Column({f.column}, nullable={nullable}{extra})"
        if f.optional:
            return f"{f.name}: Mapped[{f.annotation}] = mapped_column({f.column}, nullable=True)"
        default = ""
        if f.name in ("status", "currency", "source", "is_active", "version", "position"):
            default = f", default={f.sample}"
        return f"{f.name}: Mapped[{f.annotation}] = mapped_column({f.column}{default}{extra})"

    def models_module(self, root: Path, d: Domain) -> None:
        v = d.values
        e, c = d.entity, d.child
        legacy = d.legacy_models
        imports = Imports(
            "__future__:annotations; sqlalchemy:ForeignKey,func; app.db.base:Base; typing:Any"
        )
        types = {f.column.split("(")[0] for f in e.fields + c.fields} | {"DateTime", "Integer"}
        imports.add("sqlalchemy:" + ",".join(sorted(types)))
        if legacy:
            imports.add("sqlalchemy:Column; sqlalchemy.orm:relationship")
        else:
            imports.add("datetime:datetime; sqlalchemy.orm:Mapped,mapped_column,relationship")
        if any(f.annotation.startswith("Decimal") for f in e.fields + c.fields) and not legacy:
            imports.add("decimal:Decimal")
        if any(f.annotation.startswith("date ") for f in e.fields + c.fields) and not legacy:
            imports.add("datetime:date")
        parent_cols = [self.column(f, legacy, i == 0) for i, f in enumerate(e.fields)]
        child_cols = [self.column(f, legacy, False) for f in c.fields]
        if legacy:
            ids = "id = Column(Integer, primary_key=True)"
            stamps = (
                "created_at = Column(DateTime(timezone=True), server_default=func.now())\n"
                "updated_at = Column(DateTime(timezone=True), onupdate=func.now())"
            )
            rel = f'{c.plural} = relationship("{c.cls}", back_populates="{e.snake}", lazy="select")'
            back = f'{e.snake} = relationship("{e.cls}", back_populates="{c.plural}")'
            fk = (
                f'{v["fk"]} = Column(Integer, ForeignKey("{e.plural}.id", ondelete="CASCADE"),'
                " index=True)"
            )
        else:
            ids = "id: Mapped[int] = mapped_column(primary_key=True)"
            stamps = (
                "created_at: Mapped[datetime] = mapped_column(\n"
                "    DateTime(timezone=True), server_default=func.now()\n"
                ")\n"
                "updated_at: Mapped[datetime | None] = mapped_column(\n"
                "    DateTime(timezone=True), onupdate=func.now()\n"
                ")"
            )
            rel = (
                f"{c.plural}: Mapped[list[{c.cls}]] = relationship(\n"
                f'    back_populates="{e.snake}", cascade="all, delete-orphan"\n'
                ")"
            )
            back = f'{e.snake}: Mapped[{e.cls}] = relationship(back_populates="{c.plural}")'
            fk = (
                f"{v['fk']}: Mapped[int] = mapped_column(\n"
                f'    ForeignKey("{e.plural}.id", ondelete="CASCADE"), index=True\n'
                ")"
            )
        table_args = ""
        if any(f.name == "status" for f in e.fields) and self.chance(0.5):
            imports.add("sqlalchemy:Index")
            table_args = (
                f'__table_args__ = (Index("ix_{e.plural}_status_created", "status", "created_at"),)'
            )
        parent_extra = []
        if self.chance(0.6):
            parent_extra.append(
                fill(
                    """
                    def to_dict(self) -> dict[str, Any]:
                        return {col.name: getattr(self, col.name) for col in self.__table__.columns}
                    """,
                    v,
                )
            )
        if any(f.name == "status" for f in e.fields):
            parent_extra.append(
                """
@property
def is_archived(self) -> bool:
    return self.status in {"archived", "deleted"}
"""
            )
        parent = fill(
            """
            class @{E}(Base):
                \"\"\"@{doc}\"\"\"

                __tablename__ = "@{es}"
                @{table_args}

                @{ids}
                @{cols}
                @{stamps}

                @{rel}

                def __repr__(self) -> str:
                    return f"<@{E} id={self.id} @{label}={self.@{label}!r}>"
                @{extra}
            """,
            {
                **v,
                "doc": self.pick(
                    [
                        f"A {e.snake.replace('_', ' ')} owned by a tenant.",
                        f"Persistent {e.snake.replace('_', ' ')} record.",
                        f"Row of the ``{e.plural}`` table.",
                    ]
                ),
                "table_args": table_args,
                "ids": ids,
                "cols": "\n".join(parent_cols),
                "stamps": stamps,
                "rel": rel,
                "extra": "\n" + "\n\n".join(x.strip("\n") for x in parent_extra)
                if parent_extra
                else "",
            },
        )
        child = fill(
            """
            class @{C}(Base):
                __tablename__ = "@{cs}"

                @{ids}
                @{fk}
                @{cols}
                @{stamps}

                @{back}
            """,
            {
                **v,
                "ids": ids,
                "fk": fk,
                "cols": "\n".join(child_cols),
                "stamps": stamps,
                "back": back,
            },
        )
        blocks = [parent, child]
        if self.chance(0.4):
            imports.add("enum")
            members = self.rng.sample(
                ["DRAFT", "ACTIVE", "PENDING", "ARCHIVED", "FAILED", "DONE", "CANCELLED"], 4
            )
            blocks.insert(
                0,
                f"class {e.cls}Status(str, enum.Enum):\n"
                + "\n".join(f'    {m} = "{m.lower()}"' for m in members),
            )
        self.module(root / "models.py", f"SQLAlchemy models for {d.pkg}.", imports, blocks)

    def schemas_module(self, root: Path, d: Domain) -> None:
        v = d.values
        e, c = d.entity, d.child
        imports = Imports("__future__:annotations; pydantic:BaseModel,ConfigDict,Field")

        def base_fields(entity: Entity) -> str:
            lines = []
            for f in entity.fields:
                if f.annotation.startswith("Decimal"):
                    imports.add("decimal:Decimal")
                if "date" in f.annotation:
                    imports.add("datetime:date")
                lines.append(f"{f.name}: {f.annotation}" + (f" = {f.default}" if f.default else ""))
            return "\n".join(lines)

        def update_fields(entity: Entity) -> str:
            lines = []
            for f in entity.fields:
                ann = f.annotation if f.optional else f"{f.annotation} | None"
                lines.append(f"{f.name}: {ann} = None")
            return "\n".join(lines)

        imports.add("datetime:datetime")
        validator = ""
        if self.chance(0.6):
            imports.add("pydantic:field_validator")
            validator = fill(
                """

                @field_validator("@{label}")
                @classmethod
                def _strip_@{label}(cls, value: str) -> str:
                    value = value.strip()
                    if not value:
                        raise ValueError("@{label} must not be blank")
                    return value
                """,
                v,
            )
        blocks = [
            fill(
                """
                class @{C}Base(BaseModel):
                    @{cfields}


                class @{C}Create(@{C}Base):
                    pass


                class @{C}Read(@{C}Base):
                    model_config = ConfigDict(from_attributes=True)

                    id: int
                    @{fk}: int
                    created_at: datetime


                class @{E}Base(BaseModel):
                    @{efields}
                    @{validator}


                class @{E}Create(@{E}Base):
                    @{cs}: list[@{C}Create] = Field(default_factory=list)


                class @{E}Update(BaseModel):
                    @{ufields}


                class @{E}Read(@{E}Base):
                    model_config = ConfigDict(from_attributes=True)

                    id: int
                    created_at: datetime
                    updated_at: datetime | None = None


                class @{E}Detail(@{E}Read):
                    @{cs}: list[@{C}Read] = []


                class @{E}Page(BaseModel):
                    items: list[@{E}Read]
                    total: int
                    offset: int
                    limit: int

                    @property
                    def has_more(self) -> bool:
                        return self.offset + len(self.items) < self.total


                class @{E}Stats(BaseModel):
                    id: int
                    @{label}: str
                    @{cs}: int
                """,
                {
                    **v,
                    "cfields": base_fields(c),
                    "efields": base_fields(e),
                    "ufields": update_fields(e),
                    "validator": "\n" + validator if validator else "",
                },
            )
        ]
        self.module(
            root / "schemas.py", f"Request and response models for {d.pkg}.", imports, blocks
        )

    def crud_module(self, root: Path, d: Domain) -> None:
        v = d.values
        imports = Imports(
            f"__future__:annotations; collections.abc:Sequence; sqlalchemy:func,select; "
            f"app.{d.pkg}.models:{v['E']},{v['C']}; "
            f"app.{d.pkg}.schemas:{v['E']}Create,{v['E']}Update,{v['C']}Create"
        )
        if d.async_db:
            imports.add("sqlalchemy.ext.asyncio:AsyncSession")
        else:
            imports.add("sqlalchemy.orm:Session")
        search_field = v["label"]
        body = fill(
            """
            @{adef} get_@{e}(@{db}: @{S}, @{e}_id: int) -> @{E} | None:
                return @{aw}@{db}.get(@{E}, @{e}_id)


            @{adef} list_@{es}(
                @{db}: @{S},
                *,
                offset: int = 0,
                limit: int = 50,
                search: str | None = None,
            ) -> Sequence[@{E}]:
                stmt = select(@{E}).order_by(@{E}.id.desc())
                if search:
                    stmt = stmt.where(@{E}.@{sf}.ilike(f"%{search}%"))
                result = @{aw}@{db}.execute(stmt.offset(offset).limit(limit))
                return result.scalars().all()


            @{adef} count_@{es}(@{db}: @{S}) -> int:
                total = @{aw}@{db}.scalar(select(func.count()).select_from(@{E}))
                return int(total or 0)


            @{adef} create_@{e}(@{db}: @{S}, data: @{E}Create) -> @{E}:
                obj = @{E}(**data.model_dump(exclude={"@{cs}"}))
                obj.@{cs} = [@{C}(**item.model_dump()) for item in data.@{cs}]
                @{db}.add(obj)
                @{aw}@{db}.commit()
                @{aw}@{db}.refresh(obj)
                return obj


            @{adef} update_@{e}(@{db}: @{S}, obj: @{E}, changes: @{E}Update) -> @{E}:
                for key, value in changes.model_dump(exclude_unset=True).items():
                    setattr(obj, key, value)
                @{aw}@{db}.commit()
                @{aw}@{db}.refresh(obj)
                return obj


            @{adef} delete_@{e}(@{db}: @{S}, obj: @{E}) -> None:
                @{aw}@{db}.delete(obj)
                @{aw}@{db}.commit()


            @{adef} list_@{cs}(@{db}: @{S}, @{e}_id: int) -> Sequence[@{C}]:
                stmt = select(@{C}).where(@{C}.@{fk} == @{e}_id).order_by(@{C}.id)
                return (@{aw}@{db}.scalars(stmt)).all()


            @{adef} add_@{c}(@{db}: @{S}, @{e}_id: int, data: @{C}Create) -> @{C}:
                item = @{C}(@{fk}=@{e}_id, **data.model_dump())
                @{db}.add(item)
                @{aw}@{db}.commit()
                return item
            """,
            {**v, "sf": search_field},
        )
        blocks = [body]
        mode = self.mode()
        if mode == "P":
            if d.async_db:
                loop = (
                    "result = await @{db}.execute(  #!P:n-plus-one\n"
                    "    select(func.count()).where(@{C}.@{fk} == parent.id)\n"
                    ")\n"
                    "counts[parent.id] = result.scalar_one()"
                )
            else:
                loop = (
                    "counts[parent.id] = (\n"
                    "    @{db}.query(@{C}).filter(@{C}.@{fk} == parent.id).count()"
                    "  #!P:n-plus-one\n"
                    ")"
                )
            blocks.append(
                fill(
                    """
                    @{adef} count_@{cs}_per_@{e}(@{db}: @{S}, limit: int = 100) -> dict[int, int]:
                        parents = (@{aw}@{db}.scalars(select(@{E}).limit(limit))).all()
                        counts: dict[int, int] = {}
                        for parent in parents:
                            @{loop}
                        return counts
                    """,
                    {**v, "loop": fill(loop, v)},
                )
            )
        elif mode == "D":
            imports.add("sqlalchemy:func")
            blocks.append(
                fill(
                    """
                    @{adef} count_@{cs}_per_@{e}(@{db}: @{S}, limit: int = 100) -> dict[int, int]:
                        ids = (@{aw}@{db}.scalars(select(@{E}.id).limit(limit))).all()
                        stmt = (
                            select(@{C}.@{fk}, func.count())
                            .where(@{C}.@{fk}.in_(ids))
                            .group_by(@{C}.@{fk})
                        )
                        rows = (@{aw}@{db}.execute(stmt)).all()  #!D:batched-query
                        counts = dict.fromkeys(ids, 0)
                        counts.update({parent_id: n for parent_id, n in rows})
                        return counts
                    """,
                    v,
                )
            )
        self.module(root / "crud.py", f"Database access for {d.pkg}.", imports, blocks)

    def deps_module(self, root: Path, d: Domain) -> None:
        v = d.values
        imports = Imports(
            f"__future__:annotations; typing:Annotated; dataclasses:dataclass; "
            f"fastapi:Depends,HTTPException,Query,Request,status; "
            f"app.core.config:Settings,get_settings; "
            f"app.{d.pkg}.models:{v['E']}; app.{d.pkg}.services:{v['E']}Service; "
            f"app.{d.pkg}:crud"
        )
        if d.async_db:
            imports.add("sqlalchemy.ext.asyncio:AsyncSession; app.db.session:get_async_db")
        else:
            imports.add("sqlalchemy.orm:Session; app.db.session:get_db")
        mode = self.mode()
        if d.async_db and mode != "P":
            valid = fill(
                """
                async def valid_@{e}(
                    @{e}_id: int, @{db}: Annotated[AsyncSession, Depends(get_async_db)]
                ) -> @{E}:
                    obj = await crud.get_@{e}(@{db}, @{e}_id)
                    if obj is None:
                        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="@{E} not found")
                    return obj
                """,
                v,
            )
        elif mode == "P":
            imports.add("sqlalchemy.orm:Session; app.db.session:get_db")
            imports.add(f"app.{d.pkg}.models:{v['E']}")
            if self.chance(0.5):
                lookup = "obj = @{db}.query(@{E}).filter(@{E}.id == @{e}_id).one_or_none()"
            else:
                imports.add("sqlalchemy:select")
                lookup = (
                    "obj = @{db}.execute(select(@{E}).where(@{E}.id == @{e}_id))"
                    ".scalar_one_or_none()"
                )
            valid = fill(
                """
                async def valid_@{e}(
                    @{e}_id: int, @{db}: Annotated[Session, Depends(get_db)]
                ) -> @{E}:
                    @{lookup}  #!P:sync-session
                    if obj is None:
                        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="@{E} not found")
                    return obj
                """,
                {**v, "lookup": fill(lookup, v)},
            )
        else:
            mark = "  #!D:sync-def" if mode == "D" else ""
            valid = fill(
                """
                def valid_@{e}(@{e}_id: int, @{db}: Annotated[Session, Depends(get_db)]) -> @{E}:
                    obj = @{db}.query(@{E}).filter(@{E}.id == @{e}_id).one_or_none()@{mark}
                    if obj is None:
                        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="@{E} not found")
                    return obj
                """,
                {**v, "mark": mark},
            )
        maxlimit = self.pick(["100", "200", "500"])
        rest = fill(
            """
            @{E}Dep = Annotated[@{E}, Depends(valid_@{e})]


            @dataclass(frozen=True)
            class Pagination:
                offset: int
                limit: int


            def pagination(
                offset: int = Query(0, ge=0),
                limit: int = Query(50, ge=1, le=@{maxlimit}),
            ) -> Pagination:
                return Pagination(offset=offset, limit=limit)


            def get_@{e}_service(
                request: Request,
                @{dbparam},
                settings: Settings = Depends(get_settings),
            ) -> @{E}Service:
                return @{E}Service(@{db}, request.app.state.http, settings)


            @{E}ServiceDep = Annotated[@{E}Service, Depends(get_@{e}_service)]
            """,
            {**v, "maxlimit": maxlimit},
        )
        self.module(root / "deps.py", f"FastAPI dependencies for {d.pkg}.", imports, [valid, rest])

    def domain_config(self, root: Path, d: Domain) -> None:
        v = d.values
        statuses = self.rng.sample(["draft", "active", "pending", "archived", "failed"], 3)
        body = fill(
            """
            @dataclass(frozen=True)
            class @{E}Settings:
                page_size: int = @{page}
                export_dir: Path = Path("/var/tmp/exports/@{es}")
                partner_timeout: float = @{timeout}
                retry_attempts: int = @{attempts}
                statuses: tuple[str, ...] = @{statuses}


            @lru_cache
            def get_@{e}_settings() -> @{E}Settings:
                \"\"\"Settings for @{pkg}; an optional JSON file overrides the defaults.\"\"\"
                raw = os.environ.get("@{ENV}_SETTINGS_FILE")
                if not raw or not Path(raw).is_file():
                    return @{E}Settings()
                with open(raw, encoding="utf-8") as fh:  #!D:sync-def
                    data = json.load(fh)
                known = {k: v for k, v in data.items() if k in @{E}Settings.__dataclass_fields__}
                return @{E}Settings(**known)
            """,
            {
                **v,
                "page": self.pick(["25", "50", "100"]),
                "timeout": self.pick(["2.5", "5.0", "8.0"]),
                "attempts": self.pick(["2", "3", "5"]),
                "statuses": "(" + ", ".join(f'"{s}"' for s in statuses) + ")",
            },
        )
        imports = Imports(
            "__future__:annotations; json; os; dataclasses:dataclass; functools:lru_cache; "
            "pathlib:Path"
        )
        self.module(root / "config.py", f"Settings for {d.pkg}.", imports, [body])

    def tasks_module(self, root: Path, d: Domain) -> None:
        v = d.values
        interval = self.pick(["15", "30", "60", "300"])
        body = fill(
            """
            logger = logging.getLogger(__name__)


            def purge_stale_@{es}(days: int = @{days}) -> int:
                \"\"\"Run from cron: delete @{es} untouched for ``days`` days.\"\"\"
                cutoff = datetime.now(timezone.utc) - timedelta(days=days)
                with session_scope() as db:
                    stale = db.query(@{E}).filter(@{E}.updated_at < cutoff).all()  #!D:sync-def
                    for obj in stale:
                        db.delete(obj)
                    logger.info("purged %d stale @{es}", len(stale))
                    return len(stale)


            def poll_partner_feed(stop: threading.Event, interval: float = @{interval}) -> None:
                \"\"\"Worker-thread loop pulling changes from the partner feed.\"\"\"
                settings = get_settings()
                while not stop.is_set():
                    try:
                        resp = requests.get(  #!D:sync-def
                            f"{settings.partner_api_url}/feed/@{es}", timeout=settings.http_timeout
                        )
                        resp.raise_for_status()
                        changes = resp.json().get("changes", [])
                        if changes:
                            logger.info("partner feed: %d @{es} changed", len(changes))
                    except requests.RequestException:
                        logger.exception("partner feed poll failed")
                    time.sleep(interval)  #!D:sync-def


            async def warm_cache(redis: Redis, ids: list[int]) -> int:
                \"\"\"Prime the @{e} cache after a deploy.\"\"\"
                warmed = 0
                async with AsyncSessionLocal() as db:
                    for chunk_start in range(0, len(ids), 100):
                        chunk = ids[chunk_start : chunk_start + 100]
                        rows = (await db.scalars(select(@{E}).where(@{E}.id.in_(chunk)))).all()
                        async with redis.pipeline(transaction=False) as pipe:
                            for row in rows:
                                pipe.set(f"@{e}:{row.id}", row.@{label}, ex=3600)
                            await pipe.execute()
                        warmed += len(rows)
                return warmed
            """,
            {**v, "interval": interval, "days": self.pick(["7", "30", "90"])},
        )
        imports = Imports(
            f"__future__:annotations; logging; threading; time; "
            f"datetime:datetime,timedelta,timezone; requests; redis.asyncio:Redis; "
            f"sqlalchemy:select; app.core.config:get_settings; "
            f"app.db.session:AsyncSessionLocal,session_scope; app.{d.pkg}.models:{v['E']}"
        )
        self.module(root / "tasks.py", f"Background jobs for {d.pkg}.", imports, [body])

    def tests_module(self, p: Project, d: Domain) -> None:
        v = d.values
        label_sample = next(f.sample for f in d.entity.fields if f.name == d.entity.label)
        body = fill(
            """
            client = TestClient(app)


            @pytest.fixture
            def payload() -> dict[str, Any]:
                return {"@{label}": @{sample}}


            def test_list_@{es}_is_paginated() -> None:
                resp = client.get("/api/@{es}/", params={"limit": 5})
                assert resp.status_code == 200
                body = resp.json()
                assert body["limit"] == 5
                assert len(body["items"]) <= 5


            def test_unknown_@{e}_is_404() -> None:
                resp = client.get("/api/@{es}/999999999")
                assert resp.status_code in (401, 404)


            @pytest.mark.parametrize("limit", [0, -1, 100_000])
            def test_rejects_bad_limits(limit: int) -> None:
                resp = client.get("/api/@{es}/", params={"limit": limit})
                assert resp.status_code == 422


            def test_create_requires_auth(payload: dict[str, Any]) -> None:
                resp = client.post("/api/@{es}/", json=payload)
                assert resp.status_code == 401
            """,
            {**v, "sample": label_sample},
        )
        imports = Imports(
            "__future__:annotations; typing:Any; pytest; fastapi.testclient:TestClient; "
            "app.main:app"
        )
        self.module(p.root / f"tests/test_{d.pkg}.py", f"API tests for {d.pkg}.", imports, [body])

    # ---- services ----------------------------------------------------------------------

    def services_module(self, root: Path, d: Domain) -> None:
        v = d.values
        imports = Imports(
            f"__future__:annotations; logging; dataclasses:dataclass; typing:Any; httpx; "
            f"app.core.config:Settings; app.{d.pkg}.models:{v['E']}"
        )
        imports.add(
            "sqlalchemy.ext.asyncio:AsyncSession" if d.async_db else "sqlalchemy.orm:Session"
        )
        methods: list[str] = [
            fill(
                """
                def __init__(self, db: @{S}, http: httpx.AsyncClient, settings: Settings) -> None:
                    self.db = db
                    self.http = http
                    self.settings = settings
                """,
                v,
            ),
            fill(
                """
                async def notify(self, obj: @{E}, event: str) -> bool:
                    \"\"\"Publish a domain event; failures are logged, never raised.\"\"\"
                    payload = {"type": f"@{e}.{event}", "id": obj.id, "@{label}": obj.@{label}}
                    try:
                        resp = await self.http.post(
                            f"{self.settings.notifications_url}/events", json=payload
                        )
                        resp.raise_for_status()
                    except httpx.HTTPError as exc:
                        logger.warning("notify %s failed for @{e} %s: %s", event, obj.id, exc)
                        return False
                    return True
                """,
                v,
            ),
        ]
        builders: list[ServiceMethod] = [
            svc_partner,
            svc_archive,
            svc_render,
            svc_poll,
            svc_webhook,
            svc_thumbnail,
        ]
        for builder in self.rng.sample(builders, self.rng.randint(3, len(builders))):
            mode = self.mode()
            method = builder(self, d, mode, imports)
            if method:
                methods.append(method)
        klass = f"class {v['E']}Service:\n"
        klass += f'    """Business logic for {v["es"]} that does not belong in the routes."""\n\n'
        klass += "\n\n".join(indent(m.strip("\n")) for m in methods)
        helpers = [
            fill(
                """
                logger = logging.getLogger(__name__)


                class @{E}ServiceError(RuntimeError):
                    \"\"\"Raised when a downstream system rejects a @{e}.\"\"\"


                @dataclass(slots=True)
                class @{E}Snapshot:
                    id: int
                    @{label}: str
                    extra: dict[str, Any]


                def snapshot(obj: @{E}, **extra: Any) -> @{E}Snapshot:
                    return @{E}Snapshot(id=obj.id, @{label}=str(obj.@{label}), extra=dict(extra))
                """,
                v,
            )
        ]
        if self.chance(0.5):
            helpers.append(
                fill(
                    """
                    def group_by_@{g}(objs: list[@{E}]) -> dict[str, list[@{E}]]:
                        groups: dict[str, list[@{E}]] = {}
                        for obj in objs:
                            groups.setdefault(str(obj.@{g}), []).append(obj)
                        return {key: sorted(val, key=lambda o: o.id) for key, val in groups.items()}
                    """,
                    {**v, "g": v["str2"]},
                )
            )
        self.module(root / "services.py", f"Service layer for {d.pkg}.", imports, [*helpers, klass])

    # ---- routes ------------------------------------------------------------------------

    def routes_module(self, root: Path, d: Domain) -> None:
        v = d.values
        imports = Imports(
            f"__future__:annotations; logging; typing:Annotated,Any; "
            f"fastapi:APIRouter,Depends,HTTPException,Query,status; "
            f"app.core.auth:AdminUser,CurrentUser; app.{d.pkg}.deps:{v['E']}Dep; "
            f"app.{d.pkg}.models:{v['E']}; "
            f"app.{d.pkg}.schemas:{v['E']}Create,{v['E']}Page,{v['E']}Read,{v['E']}Update"
        )
        imports.add(f"app.{d.pkg}:crud")
        if d.async_db:
            imports.add("sqlalchemy.ext.asyncio:AsyncSession; app.db.session:get_async_db")
        else:
            imports.add("sqlalchemy.orm:Session; app.db.session:get_db")
        tag = d.pkg.replace("_", "-")
        blocks = [
            fill(
                """
                logger = logging.getLogger(__name__)

                router = APIRouter(prefix="/@{es}", tags=["@{tag}"])
                """,
                {**v, "tag": tag},
            )
        ]
        blocks.extend(self.crud_routes(d))
        actions: list[Action] = [
            act_export,
            act_enrich,
            act_notify,
            act_sync_retry,
            act_pdf,
            act_stats,
            act_children,
            act_preview,
            act_rotate_secret,
        ]
        for action in self.rng.sample(actions, self.rng.randint(4, len(actions))):
            mode = self.mode()
            blocks.extend(action(self, d, mode, imports))
        self.module(root / "routes.py", f"HTTP routes for {d.pkg}.", imports, blocks)

    def crud_routes(self, d: Domain) -> list[str]:
        v = d.values

        def doc(kind: str) -> str:
            if not self.chance(0.6):
                return ""
            text = self.pick(DOC_VERBS[kind]).format(
                e=v["e"].replace("_", " "), es=v["es"].replace("_", " ")
            )
            return f'"""{text}"""'

        out = [
            fill(
                """
                @router.get("/", response_model=@{E}Page)
                @{adef} list_@{es}(
                    @{dbparam},
                    offset: int = Query(0, ge=0),
                    limit: int = Query(50, ge=1, le=200),
                    q: str | None = Query(None, max_length=100),
                ) -> dict[str, Any]:
                    @{doc}
                    @{cmt}
                    items = @{aw}crud.list_@{es}(@{db}, offset=offset, limit=limit, search=q)
                    total = @{aw}crud.count_@{es}(@{db})
                    return {"items": items, "total": total, "offset": offset, "limit": limit}
                """,
                {**v, "doc": doc("list"), "cmt": self.comment()},
            ),
            fill(
                """
                @router.get("/{@{e}_id}", response_model=@{E}Read)
                async def get_@{e}(obj: @{E}Dep) -> @{E}:
                    @{doc}
                    return obj
                """,
                {**v, "doc": doc("get")},
            ),
            fill(
                """
                @router.post("/", response_model=@{E}Read, status_code=status.HTTP_201_CREATED)
                @{adef} create_@{e}(
                    payload: @{E}Create,
                    @{user}: CurrentUser,
                    @{dbparam},
                ) -> @{E}:
                    @{doc}
                    logger.info("user %s creates @{e} %r", @{user}.id, payload.@{label})
                    return @{aw}crud.create_@{e}(@{db}, payload)
                """,
                {**v, "doc": doc("create")},
            ),
        ]
        if self.chance(0.8):
            out.append(
                fill(
                    """
                    @router.patch("/{@{e}_id}", response_model=@{E}Read)
                    @{adef} update_@{e}(
                        payload: @{E}Update,
                        obj: @{E}Dep,
                        @{user}: CurrentUser,
                        @{dbparam},
                    ) -> @{E}:
                        @{doc}
                        if not payload.model_fields_set:
                            raise HTTPException(
                                status.HTTP_400_BAD_REQUEST, detail="nothing to update"
                            )
                        @{cmt}
                        return @{aw}crud.update_@{e}(@{db}, obj, payload)
                    """,
                    {**v, "doc": doc("update"), "cmt": self.comment()},
                )
            )
        if self.chance(0.7):
            out.append(
                fill(
                    """
                    @router.delete("/{@{e}_id}", status_code=status.HTTP_204_NO_CONTENT)
                    @{adef} delete_@{e}(obj: @{E}Dep, admin: AdminUser, @{dbparam}) -> None:
                        @{doc}
                        logger.warning("admin %s deletes @{e} %s", admin.id, obj.id)
                        @{aw}crud.delete_@{e}(@{db}, obj)
                    """,
                    {**v, "doc": doc("delete")},
                )
            )
        return out


# --------------------------------------------------------------------------------------
# Route actions: each returns blocks for routes.py and registers its imports.
# ``mode`` is "P" (plant a pitfall), "D" (plant a look-alike) or "-" (plain code).
# --------------------------------------------------------------------------------------

Action = Callable[["Generator", Domain, str, Imports], list[str]]
ServiceMethod = Callable[["Generator", Domain, str, Imports], str]


def act_export(g: Generator, d: Domain, mode: str, imp: Imports) -> list[str]:
    v = d.values
    imp.add("csv; time; pathlib:Path; fastapi.responses:FileResponse")
    values = {
        **v,
        "load": g.call(d, f"list_{v['es']}", f"{v['db']}, limit=limit"),
        "route": g.pick(["/export.csv", "/export", "/csv"]),
        "limit": g.pick(["5000", "10_000", "20_000"]),
    }
    blocks = [fill('EXPORT_DIR = Path("/var/tmp/exports/@{es}")', v)]
    writer = (
        "    writer = csv.writer(fh)\n"
        "    writer.writerow(@{header})\n"
        "    writer.writerows(@{rowexpr} for row in rows)"
    )
    if mode == "P":
        body = 'with open(target, "w", newline="", encoding="utf-8") as fh:  #!P:blocking-open\n'
        body += writer
    elif mode == "D" and g.chance(0.35):
        imp.add("fastapi.concurrency:run_in_threadpool")
        body = (
            "def _dump() -> None:\n"
            '    with open(target, "w", newline="", encoding="utf-8") as fh:  #!D:nested-def\n'
            + indent(writer)
            + "\n\nawait run_in_threadpool(_dump)"
        )
    elif mode == "D" and g.chance(0.5):
        imp.add("aiofiles")
        body = (
            'async with aiofiles.open(target, "w", encoding="utf-8") as fh:  #!D:async-file\n'
            '    await fh.write(",".join(@{header}) + "\\n")\n'
            "    for row in rows:\n"
            '        await fh.write(",".join(str(value) for value in @{rowexpr}) + "\\n")'
        )
    else:
        imp.add("asyncio; collections.abc:Sequence")
        mark = "  #!D:sync-def" if mode == "D" else ""
        blocks.append(
            fill(
                """
                def _write_csv(target: Path, rows: Sequence[@{E}]) -> None:
                    with open(target, "w", newline="", encoding="utf-8") as fh:@{mark}
                        writer = csv.writer(fh)
                        writer.writerow(@{header})
                        writer.writerows(@{rowexpr} for row in rows)
                """,
                {**v, "mark": mark},
            )
        )
        body = "await asyncio.to_thread(_write_csv, target, rows)"
    values["body"] = fill(body, values)
    blocks.append(
        fill(
            """
            @router.get("@{route}", response_class=FileResponse)
            async def export_@{es}(
                @{user}: CurrentUser,
                @{dbparam},
                limit: int = Query(@{limit}, le=50_000),
            ) -> FileResponse:
                rows = @{load}
                target = EXPORT_DIR / f"@{es}-{@{user}.id}-{int(time.time())}.csv"
                @{body}
                return FileResponse(target, media_type="text/csv", filename=target.name)
            """,
            values,
        )
    )
    return blocks


def act_enrich(g: Generator, d: Domain, mode: str, imp: Imports) -> list[str]:
    v = d.values
    imp.add("app.core.config:Settings,get_settings")
    values = {
        **v,
        "load": g.call(d, f"get_{v['e']}", f"{v['db']}, {v['e']}_id"),
        "save": g.call(d, f"update_{v['e']}", f"{v['db']}, obj, changes"),
        "path": g.pick(PARTNER_PATHS),
        "verb": g.pick(["enrich", "refresh", "resolve"]),
    }
    imp.add(f"app.{d.pkg}.schemas:{v['E']}Update")
    url = 'f"{settings.partner_api_url}/@{path}/{obj.@{label}}"'
    if mode == "P":
        imp.add("requests")
        method = g.pick(["get", "get", "post"])
        if g.chance(0.2):
            imp.add("urllib.request; json")
            fetch = (
                "with urllib.request.urlopen(  #!P:blocking-http\n"
                f"    {url}, timeout=settings.http_timeout\n"
                ") as fh:\n"
                "    extra = json.load(fh)"
            )
        else:
            fetch = (
                f"resp = requests.{method}(  #!P:blocking-http\n"
                f"    {url},\n"
                '    headers={"Authorization": f"Bearer {settings.partner_api_token}"},\n'
                "    timeout=settings.http_timeout,\n"
                ")\n"
                "resp.raise_for_status()\n"
                "extra = resp.json()"
            )
        extra_param = ""
    elif mode == "D":
        imp.add("requests; asyncio")
        fetch = (
            "resp = await asyncio.to_thread(  #!D:to-thread\n"
            f"    requests.get, {url}, timeout=settings.http_timeout\n"
            ")\n"
            "resp.raise_for_status()\n"
            "extra = resp.json()"
        )
        extra_param = ""
    else:
        imp.add("app.core.http:HttpClient")
        fetch = f"resp = await http.get({url})\nresp.raise_for_status()\nextra = resp.json()"
        extra_param = "http: HttpClient,\n"
    values["fetch"] = fill(fetch, values)
    values["extra_param"] = extra_param.rstrip("\n")
    block = fill(
        """
        @router.post("/{@{e}_id}/@{verb}", response_model=@{E}Read)
        async def @{verb}_@{e}(
            @{e}_id: int,
            settings: Annotated[Settings, Depends(get_settings)],
            @{extra_param}
            @{dbparam},
        ) -> @{E}:
            \"\"\"Pull extra attributes for a @{e} from the partner API.\"\"\"
            obj = @{load}
            if obj is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, detail="@{E} not found")
            @{fetch}
            allowed = @{E}Update.model_fields.keys()
            changes = @{E}Update(**{k: val for k, val in extra.items() if k in allowed})
            return @{save}
        """,
        values,
    )
    return [block]


def act_notify(g: Generator, d: Domain, mode: str, imp: Imports) -> list[str]:
    v = d.values
    imp.add("httpx; app.core.config:Settings,get_settings")
    values = {**v, "timeout": g.pick(["5.0", "10.0", "3"])}
    if mode == "P":
        if g.chance(0.6):
            send = """
                async with httpx.AsyncClient(timeout=@{timeout}) as client:  #!P:client-per-request
                    resp = await client.post(f"{settings.notifications_url}/events", json=event)
            """
        else:
            send = """
                client = httpx.AsyncClient(  #!P:client-per-request
                    base_url=settings.notifications_url
                )
                try:
                    resp = await client.post("/events", json=event)
                finally:
                    await client.aclose()
            """
        extra = ""
    else:
        imp.add("app.core.http:HttpClient")
        mark = "  #!D:shared-client" if mode == "D" else ""
        send = 'resp = await http.post(f"{settings.notifications_url}/events", json=event)' + mark
        extra = "http: HttpClient,"
    values["send"] = fill(send, values)
    values["extra"] = extra
    block = fill(
        """
        @router.post("/{@{e}_id}/notify", status_code=status.HTTP_202_ACCEPTED)
        async def notify_@{e}(
            obj: @{E}Dep,
            @{user}: CurrentUser,
            settings: Annotated[Settings, Depends(get_settings)],
            @{extra}
        ) -> dict[str, str]:
            event = {"type": "@{e}.touched", "id": obj.id, "by": @{user}.id}
            @{send}
            if resp.is_error:
                logger.warning("notification for @{e} %s failed: %s", obj.id, resp.status_code)
                raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail="notification failed")
            return {"status": "queued"}
        """,
        values,
    )
    return [block]


def act_sync_retry(g: Generator, d: Domain, mode: str, imp: Imports) -> list[str]:
    v = d.values
    imp.add("app.core.config:Settings,get_settings; app.core.http:HttpClient")
    values = {**v, "attempts": g.pick(["3", "4", "5"]), "cap": g.pick(["5", "8", "10"])}
    adef = "async def"
    aw = "await "
    if mode == "P":
        if g.chance(0.3):
            imp.add("time:sleep")
            wait = "sleep(min(2**attempt, @{cap}))  #!P:blocking-sleep"
        else:
            imp.add("time")
            wait = "time.sleep(min(2**attempt, @{cap}))  #!P:blocking-sleep"
    elif mode == "D" and g.chance(0.5):
        imp.add("time")
        # a sync endpoint with a sync client may sleep: it runs in the threadpool
        imp.add("httpx")
        wait = "time.sleep(min(2**attempt, @{cap}))  #!D:sync-def"
        adef, aw = "def", ""
    else:
        imp.add("asyncio")
        mark = "  #!D:async-sleep" if mode == "D" else ""
        wait = "await asyncio.sleep(min(2**attempt, @{cap}))" + mark
    values.update({"wait": fill(wait, values), "adef": adef, "aw": aw})
    if adef == "def":
        client_param = ""
        post = (
            "with httpx.Client(timeout=settings.http_timeout) as http:\n"
            '    resp = http.post(f"{settings.partner_api_url}/sync/@{es}/{@{e}_id}")'
        )
    else:
        client_param = "http: HttpClient,"
        post = 'resp = await http.post(f"{settings.partner_api_url}/sync/@{es}/{@{e}_id}")'
    values.update({"client_param": client_param, "post": fill(post, values)})
    block = fill(
        """
        @router.post("/{@{e}_id}/sync")
        @{adef} sync_@{e}(
            @{e}_id: int,
            @{client_param}
            settings: Annotated[Settings, Depends(get_settings)],
        ) -> dict[str, Any]:
            \"\"\"Push a @{e} to the partner, backing off while we are rate limited.\"\"\"
            for attempt in range(1, @{attempts} + 1):
                @{post}
                if resp.status_code != 429:
                    break
                logger.info("partner rate limited @{e} %s (attempt %d)", @{e}_id, attempt)
                @{wait}
            resp.raise_for_status()
            return resp.json()
        """,
        values,
    )
    return [block]


def act_pdf(g: Generator, d: Domain, mode: str, imp: Imports) -> list[str]:
    v = d.values
    imp.add("fastapi:Response; app.core.config:Settings,get_settings")
    values = {**v, "secs": g.pick(["30", "60", "120"])}
    argv = (
        '[settings.pdf_binary, "--quiet", f"{settings.public_base_url}/@{es}/{obj.id}/preview", '
        '"-"]'
    )
    adef = "async def"
    if mode == "P":
        imp.add("subprocess")
        if g.chance(0.5):
            run = (
                "pdf = subprocess.check_output(  #!P:blocking-subprocess\n"
                f"    {argv}, timeout=@{{secs}}\n"
                ")"
            )
        else:
            run = (
                "proc = subprocess.run(  #!P:blocking-subprocess\n"
                f"    {argv}, capture_output=True, check=True, timeout=@{{secs}}\n"
                ")\n"
                "pdf = proc.stdout"
            )
    elif mode == "D":
        choice = g.rng.randrange(3)
        if choice == 0:
            imp.add("asyncio")
            run = (
                "proc = await asyncio.create_subprocess_exec(  #!D:async-subprocess\n"
                f"    *{argv}, stdout=asyncio.subprocess.PIPE\n"
                ")\n"
                "pdf, _ = await asyncio.wait_for(proc.communicate(), timeout=@{secs})"
            )
        elif choice == 1:
            imp.add("asyncio; subprocess")
            run = (
                "pdf = await asyncio.to_thread(  #!D:to-thread\n"
                f"    subprocess.check_output, {argv}, timeout=@{{secs}}\n"
                ")"
            )
        else:
            imp.add("subprocess")
            run = f"pdf = subprocess.check_output(  #!D:sync-def\n    {argv}, timeout=@{{secs}}\n)"
            adef = "def"
    else:
        imp.add("asyncio")
        run = (
            "proc = await asyncio.create_subprocess_exec(\n"
            f"    *{argv}, stdout=asyncio.subprocess.PIPE\n"
            ")\n"
            "pdf, _ = await proc.communicate()"
        )
    values["run"] = fill(run, values)
    values["adef"] = adef
    block = fill(
        """
        @router.get("/{@{e}_id}/pdf")
        @{adef} render_@{e}_pdf(
            obj: @{E}Dep, settings: Annotated[Settings, Depends(get_settings)]
        ) -> Response:
            @{run}
            headers = {"Content-Disposition": f'inline; filename="@{e}-{obj.id}.pdf"'}
            return Response(content=pdf, media_type="application/pdf", headers=headers)
        """,
        values,
    )
    return [block]


def act_stats(g: Generator, d: Domain, mode: str, imp: Imports) -> list[str]:
    v = d.values
    imp.add(f"sqlalchemy:select; app.{d.pkg}.models:{v['C']}; app.{d.pkg}.schemas:{v['E']}Stats")
    if d.async_db:
        imp.add("sqlalchemy.ext.asyncio:AsyncSession; app.db.session:get_async_db")
        if mode == "P":
            loop = (
                "for parent in parents:\n"
                "    result = await @{db}.execute(  #!P:n-plus-one\n"
                "        select(@{C}).where(@{C}.@{fk} == parent.id)\n"
                "    )\n"
                "    children = result.scalars().all()\n"
                '    stats.append({"id": parent.id, "@{label}": parent.@{label}, '
                '"@{cs}": len(children)})'
            )
        else:
            imp.add("collections:defaultdict")
            mark = "  #!D:batched-query" if mode == "D" else ""
            loop = (
                "ids = [parent.id for parent in parents]\n"
                "by_parent: dict[int, list[@{C}]] = defaultdict(list)\n"
                "result = await @{db}.execute("
                f"select(@{{C}}).where(@{{C}}.@{{fk}}.in_(ids))){mark}\n"
                "for child in result.scalars():\n"
                "    by_parent[child.@{fk}].append(child)\n"
                "stats.extend(\n"
                '    {"id": p.id, "@{label}": p.@{label}, "@{cs}": len(by_parent[p.id])}\n'
                "    for p in parents\n"
                ")"
            )
        fetch = "parents = (await @{db}.scalars(select(@{E}).limit(limit))).all()"
        adef = "async def"
        dbparam = v["dbparam"]
    else:
        if mode == "P":
            loop = (
                "for parent in parents:\n"
                "    children = @{db}.query(@{C}).filter(@{C}.@{fk} == parent.id).all()"
                "  #!P:n-plus-one\n"
                '    stats.append({"id": parent.id, "@{label}": parent.@{label}, '
                '"@{cs}": len(children)})'
            )
        else:
            imp.add("sqlalchemy.orm:selectinload")
            loop = (
                "for parent in parents:\n"
                "    # children come from the selectinload above, no query per row\n"
                '    stats.append({"id": parent.id, "@{label}": parent.@{label}, '
                '"@{cs}": len(parent.@{cs})})'
            )
        if mode == "P":
            fetch = "parents = @{db}.query(@{E}).order_by(@{E}.id).limit(limit).all()"
        else:
            mark = "  #!D:batched-query" if mode == "D" else ""
            fetch = (
                "parents = (\n"
                "    @{db}.query(@{E}).options(selectinload(@{E}.@{cs})).limit(limit).all()"
                f"{mark}\n"
                ")"
            )
        adef = "def"
        dbparam = v["dbparam"]
    values = {**v, "adef": adef, "dbparam": dbparam}
    values["fetch"] = fill(fetch, values)
    values["loop"] = fill(loop, values)
    block = fill(
        """
        @router.get("/stats/@{cs}", response_model=list[@{E}Stats])
        @{adef} @{e}_stats(
            @{dbparam},
            limit: int = Query(100, ge=1, le=1000),
        ) -> list[dict[str, Any]]:
            \"\"\"How many @{cs} each @{e} has.\"\"\"
            @{fetch}
            stats: list[dict[str, Any]] = []
            @{loop}
            return stats
        """,
        values,
    )
    return [block]


def act_children(g: Generator, d: Domain, mode: str, imp: Imports) -> list[str]:
    v = d.values
    imp.add(f"app.{d.pkg}.models:{v['C']}; app.{d.pkg}.schemas:{v['C']}Read")
    imp.add("sqlalchemy.orm:Session; app.db.session:get_db")
    if mode == "P":
        adef = "async def"
        if g.chance(0.5):
            query = (
                "return (\n"
                "    @{db}.query(@{C})  #!P:sync-session\n"
                "    .filter(@{C}.@{fk} == @{e}_id)\n"
                "    .order_by(@{C}.id)\n"
                "    .all()\n"
                ")"
            )
        else:
            imp.add("sqlalchemy:select")
            query = (
                "stmt = select(@{C}).where(@{C}.@{fk} == @{e}_id).order_by(@{C}.id)\n"
                "return list(@{db}.execute(stmt).scalars())  #!P:sync-session"
            )
        param = v["sync_dbparam"]
    elif mode == "D" or not d.async_db:
        adef = "def"
        mark = "  #!D:sync-def" if mode == "D" else ""
        query = (
            "return (\n"
            "    @{db}.query(@{C}).filter(@{C}.@{fk} == @{e}_id)"
            ".order_by(@{C}.id).all()"
            f"{mark}\n"
            ")"
        )
        param = v["sync_dbparam"]
    else:
        adef = "async def"
        query = "return list(await crud.list_@{cs}(@{db}, @{e}_id))"
        param = v["dbparam"]
    values = {**v, "adef": adef, "param": param}
    values["query"] = fill(query, values)
    block = fill(
        """
        @router.get("/{@{e}_id}/@{cs}", response_model=list[@{C}Read])
        @{adef} list_@{e}_@{cs}(
            @{e}_id: int,
            @{user}: CurrentUser,
            @{param},
        ) -> list[@{C}]:
            @{query}
        """,
        values,
    )
    return [block]


def act_preview(g: Generator, d: Domain, mode: str, imp: Imports) -> list[str]:
    v = d.values
    imp.add("pathlib:Path; fastapi.responses:HTMLResponse; html")
    blocks = [
        fill(
            'TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"\n'
            'PREVIEW_TEMPLATE = TEMPLATE_DIR / "@{e}_preview.html"',
            v,
        )
    ]
    if mode == "P":
        read = (
            'with open(PREVIEW_TEMPLATE, encoding="utf-8") as fh:  #!P:blocking-open\n'
            "    template = fh.read()"
        )
    elif mode == "D":
        imp.add("anyio")
        read = 'template = await anyio.Path(PREVIEW_TEMPLATE).read_text(encoding="utf-8")'
        read += "  #!D:async-file"
    else:
        imp.add("functools")
        blocks.append(
            """
@functools.cache
def _load_template() -> str:
    return PREVIEW_TEMPLATE.read_text(encoding="utf-8")
"""
        )
        read = "template = _load_template()"
    values = {**v, "read": read}
    blocks.append(
        fill(
            """
            @router.get("/{@{e}_id}/preview", response_class=HTMLResponse)
            async def preview_@{e}(obj: @{E}Dep) -> HTMLResponse:
                @{read}
                rendered = template.replace("{{ @{label} }}", html.escape(str(obj.@{label})))
                return HTMLResponse(rendered.replace("{{ id }}", str(obj.id)))
            """,
            values,
        )
    )
    return blocks


def act_rotate_secret(g: Generator, d: Domain, mode: str, imp: Imports) -> list[str]:
    v = d.values
    imp.add("secrets; bcrypt")
    if mode == "P":
        adef = "async def"
        hashing = "hashed = bcrypt.hashpw(secret.encode(), bcrypt.gensalt())  #!P:blocking-crypto"
    elif mode == "D" and g.chance(0.5):
        adef = "def"
        hashing = "hashed = bcrypt.hashpw(secret.encode(), bcrypt.gensalt())  #!D:sync-def"
    else:
        imp.add("fastapi.concurrency:run_in_threadpool")
        adef = "async def"
        hashing = "salt = bcrypt.gensalt()\n"
        hashing += "hashed = await run_in_threadpool(bcrypt.hashpw, secret.encode(), salt)"
        if mode == "D":
            hashing += "  #!D:to-thread"
    values = {**v, "adef": adef, "hashing": hashing}
    block = fill(
        """
        @router.post("/{@{e}_id}/secret", status_code=status.HTTP_201_CREATED)
        @{adef} rotate_@{e}_secret(obj: @{E}Dep, admin: AdminUser) -> dict[str, str]:
            \"\"\"Issue a new signing secret; only its hash is kept.\"\"\"
            secret = secrets.token_urlsafe(32)
            @{hashing}
            logger.info("admin %s rotated the secret of @{e} %s", admin.id, obj.id)
            return {"secret": secret, "fingerprint": hashed.decode("ascii")[-8:]}
        """,
        values,
    )
    return [block]


# --------------------------------------------------------------------------------------
# Service methods (bodies of ``<Entity>Service``); same mode convention.
# --------------------------------------------------------------------------------------


def svc_partner(g: Generator, d: Domain, mode: str, imp: Imports) -> str:
    v = d.values
    if mode == "P":
        imp.add("requests")
        fetch = (
            "resp = requests.get(  #!P:blocking-http\n"
            '    f"{self.settings.partner_api_url}/@{es}/{obj.id}",\n'
            "    timeout=self.settings.http_timeout,\n"
            ")"
        )
    elif mode == "D":
        imp.add("asyncio; requests")
        fetch = (
            "resp = await asyncio.to_thread(  #!D:to-thread\n"
            '    requests.get, f"{self.settings.partner_api_url}/@{es}/{obj.id}", timeout=5\n'
            ")"
        )
    else:
        fetch = 'resp = await self.http.get(f"{self.settings.partner_api_url}/@{es}/{obj.id}")'
    return fill(
        """
        async def fetch_partner_view(self, obj: @{E}) -> dict[str, Any]:
            \"\"\"What the partner currently knows about ``obj``.\"\"\"
            @{fetch}
            if resp.status_code == 404:
                return {}
            resp.raise_for_status()
            data = resp.json()
            return {key: value for key, value in data.items() if not key.startswith("_")}
        """,
        {**v, "fetch": fill(fetch, v)},
    )


def svc_archive(g: Generator, d: Domain, mode: str, imp: Imports) -> str:
    v = d.values
    imp.add("json; pathlib:Path")
    if mode == "P":
        write = (
            'with open(target, "w", encoding="utf-8") as fh:  #!P:blocking-open\n'
            "    json.dump(payload, fh, default=str)"
        )
    elif mode == "D":
        imp.add("asyncio")
        write = (
            "def _write() -> None:\n"
            '    with open(target, "w", encoding="utf-8") as fh:  #!D:nested-def\n'
            "        json.dump(payload, fh, default=str)\n"
            "\n"
            "await asyncio.to_thread(_write)"
        )
    else:
        imp.add("asyncio")
        write = "await asyncio.to_thread(target.write_text, json.dumps(payload, default=str))"
    return fill(
        """
        async def archive(self, obj: @{E}, directory: Path) -> Path:
            \"\"\"Write a JSON snapshot of ``obj`` before it is purged.\"\"\"
            payload = {"id": obj.id, "@{label}": obj.@{label}, "archived_by": "@{pkg}"}
            target = directory / f"@{e}-{obj.id}.json"
            @{write}
            logger.info("archived @{e} %s to %s", obj.id, target)
            return target
        """,
        {**v, "write": write},
    )


def svc_render(g: Generator, d: Domain, mode: str, imp: Imports) -> str:
    v = d.values
    values = {**v, "bin": g.pick(PDF_BINARIES)}
    if mode == "P":
        imp.add("subprocess")
        run = (
            "result = subprocess.run(  #!P:blocking-subprocess\n"
            '    ["@{bin}", "--quiet", source_url, "-"], capture_output=True, check=False\n'
            ")\n"
            "if result.returncode != 0:\n"
            '    raise @{E}ServiceError(result.stderr.decode(errors="replace"))\n'
            "return result.stdout"
        )
    elif mode == "D":
        imp.add("asyncio")
        run = (
            "proc = await asyncio.create_subprocess_exec(  #!D:async-subprocess\n"
            '    "@{bin}", "--quiet", source_url, "-",\n'
            "    stdout=asyncio.subprocess.PIPE,\n"
            "    stderr=asyncio.subprocess.PIPE,\n"
            ")\n"
            "out, err = await proc.communicate()\n"
            "if proc.returncode != 0:\n"
            '    raise @{E}ServiceError(err.decode(errors="replace"))\n'
            "return out"
        )
    else:
        return ""
    values["run"] = fill(run, values)
    return fill(
        """
        async def render_pdf(self, obj: @{E}) -> bytes:
            source_url = f"{self.settings.public_base_url}/@{es}/{obj.id}/preview"
            @{run}
        """,
        values,
    )


def svc_poll(g: Generator, d: Domain, mode: str, imp: Imports) -> str:
    v = d.values
    values = {**v, "tries": g.pick(["10", "20", "30"]), "pause": g.pick(["0.5", "1.0", "2"])}
    if mode == "P":
        imp.add("time")
        wait = "time.sleep(@{pause})  #!P:blocking-sleep"
        adef, aw = "async def", "await "
    elif mode == "D":
        imp.add("time")
        wait = "time.sleep(@{pause})  #!D:sync-def"
        adef, aw = "def", ""
    else:
        imp.add("asyncio")
        wait = "await asyncio.sleep(@{pause})"
        adef, aw = "async def", "await "
    if adef == "def":
        get = (
            "with httpx.Client(timeout=self.settings.http_timeout) as client:\n"
            '    resp = client.get(f"{self.settings.partner_api_url}/jobs/{job_id}")'
        )
    else:
        get = 'resp = await self.http.get(f"{self.settings.partner_api_url}/jobs/{job_id}")'
    values.update({"wait": fill(wait, values), "adef": adef, "aw": aw, "get": get})
    values["name"] = "wait_for_job" if adef == "async def" else "wait_for_job_blocking"
    return fill(
        """
        @{adef} @{name}(self, job_id: str) -> dict[str, Any]:
            \"\"\"Poll a partner export job until it settles.\"\"\"
            for _ in range(@{tries}):
                @{get}
                resp.raise_for_status()
                job = resp.json()
                if job.get("state") in {"done", "failed"}:
                    return job
                @{wait}
            raise @{E}ServiceError(f"job {job_id} did not finish in time")
        """,
        values,
    )


def svc_webhook(g: Generator, d: Domain, mode: str, imp: Imports) -> str:
    v = d.values
    imp.add("hmac; hashlib; json")
    if mode == "P":
        send = (
            "async with httpx.AsyncClient(timeout=5.0) as client:  #!P:client-per-request\n"
            "    resp = await client.post(url, content=body, headers=headers)"
        )
    else:
        mark = "  #!D:shared-client" if mode == "D" else ""
        send = "resp = await self.http.post(url, content=body, headers=headers)" + mark
    return fill(
        """
        async def deliver_webhook(self, url: str, secret: bytes, obj: @{E}) -> int:
            body = json.dumps({"id": obj.id, "@{label}": str(obj.@{label})}).encode()
            signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
            headers = {"X-Signature": signature, "Content-Type": "application/json"}
            @{send}
            return resp.status_code
        """,
        {**v, "send": send},
    )


def svc_thumbnail(g: Generator, d: Domain, mode: str, imp: Imports) -> str:
    v = d.values
    values = {**v, "tool": g.pick(THUMB_TOOLS), "size": g.pick(["128", "256", "512"])}
    imp.add("pathlib:Path")
    if mode == "P":
        imp.add("subprocess")
        return fill(
            """
            async def make_thumbnail(self, source: Path) -> Path:
                target = source.with_suffix(".thumb.png")
                subprocess.run(  #!P:blocking-subprocess
                    ["@{tool}", str(source), "-resize", "@{size}x@{size}", str(target)], check=True
                )
                return target
            """,
            values,
        )
    imp.add("asyncio; subprocess; functools")
    mark = "  #!D:to-thread" if mode == "D" else ""
    values["mark"] = mark
    return fill(
        """
        async def make_thumbnail(self, source: Path) -> Path:
            target = source.with_suffix(".thumb.png")
            loop = asyncio.get_running_loop()
            cmd = ["@{tool}", str(source), "-resize", "@{size}x@{size}", str(target)]
            await loop.run_in_executor(@{mark}
                None, functools.partial(subprocess.run, cmd, check=True)
            )
            return target
        """,
        values,
    )


# --------------------------------------------------------------------------------------
# Utility modules (plain Python, no planted pitfalls)
# --------------------------------------------------------------------------------------


def util_text(g: Generator, p: Project) -> None:
    width = g.pick(["40", "60", "80"])
    body = fill(
        """
        _SLUG_STRIP = re.compile(r"[^a-z0-9]+")
        _SPACES = re.compile(r"\\s+")


        def slugify(value: str, *, max_length: int = @{width}) -> str:
            \"\"\"``"Hello, World!"`` -> ``"hello-world"``.\"\"\"
            normalized = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
            slug = _SLUG_STRIP.sub("-", normalized.lower()).strip("-")
            return slug[:max_length].rstrip("-")


        def squash_spaces(value: str) -> str:
            return _SPACES.sub(" ", value).strip()


        def truncate(value: str, limit: int, ellipsis: str = "...") -> str:
            if len(value) <= limit:
                return value
            cut = value[: max(0, limit - len(ellipsis))]
            return cut.rsplit(" ", 1)[0] + ellipsis if " " in cut else cut + ellipsis


        def parse_bool(value: str | bool | None, default: bool = False) -> bool:
            if isinstance(value, bool):
                return value
            if value is None:
                return default
            return value.strip().lower() in {"1", "true", "yes", "on", "y"}


        def mask_email(email: str) -> str:
            local, _, domain = email.partition("@")
            if len(local) <= 2:
                return f"{local[:1]}*@{domain}"
            return f"{local[0]}{'*' * (len(local) - 2)}{local[-1]}@{domain}"
        """,
        {"width": width},
    )
    g.module(
        p.root / "app/utils/text.py",
        "String helpers.",
        Imports("__future__:annotations; re; unicodedata"),
        [body],
    )
    g.write(p.root / "app/utils/__init__.py", '"""Small helpers with no framework imports."""\n')


def util_collections(g: Generator, p: Project) -> None:
    body = """
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    \"\"\"Yield lists of at most ``size`` items.\"\"\"
    if size < 1:
        raise ValueError("size must be positive")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def group_by(items: Iterable[T], key: Callable[[T], K]) -> dict[K, list[T]]:
    groups: dict[K, list[T]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return dict(groups)


def dedupe(items: Iterable[T], key: Callable[[T], K]) -> list[T]:
    seen: set[K] = set()
    out: list[T] = []
    for item in items:
        marker = key(item)
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


def index_by(items: Iterable[T], key: Callable[[T], K]) -> dict[K, T]:
    return {key(item): item for item in items}


def flatten(nested: Iterable[Iterable[T]]) -> list[T]:
    return [item for group in nested for item in group]


def top_n(counts: dict[K, int], n: int = 10) -> list[tuple[K, int]]:
    return sorted(counts.items(), key=lambda pair: (-pair[1], str(pair[0])))[:n]
"""
    g.module(
        p.root / "app/utils/collections.py",
        "Iteration helpers.",
        Imports(
            "__future__:annotations; collections:defaultdict; collections.abc:Callable,Hashable,"
            "Iterable,Iterator; itertools:islice; typing:TypeVar"
        ),
        [body],
    )


def util_cache(g: Generator, p: Project) -> None:
    ttl = g.pick(["60", "300", "900"])
    body = fill(
        """
        P = ParamSpec("P")
        T = TypeVar("T")
        logger = logging.getLogger(__name__)


        def cache_key(prefix: str, *parts: object) -> str:
            raw = ":".join(str(part) for part in parts)
            digest = hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()
            return f"{prefix}:{digest}"


        def cached(
            prefix: str, ttl: int = @{ttl}
        ) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
            \"\"\"Cache a coroutine's JSON-serialisable result in Redis.\"\"\"

            def decorator(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
                @functools.wraps(fn)
                async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
                    redis: Redis | None = kwargs.get("redis")  # type: ignore[assignment]
                    if redis is None:
                        return await fn(*args, **kwargs)
                    key = cache_key(prefix, *args, *sorted(kwargs.items(), key=str))
                    try:
                        hit = await redis.get(key)
                    except RedisError:
                        logger.warning("cache read failed for %s", key)
                        hit = None
                    if hit is not None:
                        return json.loads(hit)
                    value = await fn(*args, **kwargs)
                    try:
                        await redis.set(key, json.dumps(value, default=str), ex=ttl)
                    except RedisError:
                        logger.warning("cache write failed for %s", key)
                    return value

                return wrapper

            return decorator
        """,
        {"ttl": ttl},
    )
    g.module(
        p.root / "app/utils/cache.py",
        "A small Redis-backed cache decorator.",
        Imports(
            "__future__:annotations; functools; hashlib; json; logging; "
            "collections.abc:Awaitable,Callable; typing:ParamSpec,TypeVar; "
            "redis.asyncio:Redis; redis.exceptions:RedisError"
        ),
        [body],
    )


def util_dates(g: Generator, p: Project) -> None:
    tz = g.pick(["Europe/Berlin", "UTC", "America/New_York", "Asia/Tokyo"])
    body = fill(
        """
        DEFAULT_TZ = ZoneInfo("@{tz}")


        def utcnow() -> datetime:
            return datetime.now(timezone.utc)


        def to_local(moment: datetime, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.astimezone(tz)


        def month_bounds(day: date) -> tuple[date, date]:
            first = day.replace(day=1)
            last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
            return first, last


        def business_days_between(start: date, end: date) -> int:
            if end < start:
                start, end = end, start
            days = (end - start).days + 1
            return sum(1 for offset in range(days) if (start + timedelta(offset)).weekday() < 5)


        def humanize_delta(delta: timedelta) -> str:
            seconds = int(delta.total_seconds())
            for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
                if abs(seconds) >= size:
                    return f"{seconds // size}{unit}"
            return f"{seconds}s"
        """,
        {"tz": tz},
    )
    g.module(
        p.root / "app/utils/dates.py",
        "Date and time helpers.",
        Imports(
            "__future__:annotations; calendar; datetime:date,datetime,timedelta,timezone; "
            "zoneinfo:ZoneInfo"
        ),
        [body],
    )


def util_files(g: Generator, p: Project) -> None:
    body = """
CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    \"\"\"Hash a file in chunks; sync on purpose, call it through a thread.\"\"\"
    digest = hashlib.sha256()
    with open(path, "rb") as fh:  #!D:sync-def
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


async def sha256_of_async(path: Path) -> str:
    return await asyncio.to_thread(sha256_of, path)


def safe_join(root: Path, *parts: str) -> Path:
    candidate = root.joinpath(*parts).resolve()
    if root.resolve() not in candidate.parents and candidate != root.resolve():
        raise ValueError(f"{candidate} escapes {root}")
    return candidate


def zip_directory(source: Path, target: Path) -> int:
    count = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(source))
                count += 1
    return count
"""
    g.module(
        p.root / "app/utils/files.py",
        "File helpers for exports and uploads.",
        Imports("__future__:annotations; asyncio; hashlib; zipfile; pathlib:Path"),
        [body],
    )


UTIL_BUILDERS: list[Callable[[Generator, Project], None]] = [
    util_text,
    util_collections,
    util_cache,
    util_dates,
    util_files,
]


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path, help="directory to write the corpus into")
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES, help="minimum line count")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--force", action="store_true", help="delete OUTDIR first if it is not empty"
    )
    args = parser.parse_args(argv)
    outdir: Path = args.outdir
    if outdir.exists() and any(outdir.iterdir()):
        if not args.force:
            print(f"{outdir} is not empty (use --force to replace it)", file=sys.stderr)
            return 2
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    gen = Generator(outdir, args.seed)
    gen.run(args.lines)
    pitfalls = sum(1 for m in gen.manifest if m["pitfall"])
    lookalikes = len(gen.manifest) - pitfalls
    print(
        f"wrote {gen.files} files, {gen.lines} lines to {outdir} "
        f"({pitfalls} planted pitfalls, {lookalikes} look-alikes; see manifest.json)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
