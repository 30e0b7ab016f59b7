"""Application entry point: ``uvicorn app.main:app``."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool

from .cache import async_redis, rate_limit
from .db import async_engine, engine
from .models import Base
from .routers import auth, integrations, reports, users

logger = logging.getLogger("acme")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(Base.metadata.create_all, bind=engine)
    await async_redis.ping()
    logger.info("acme accounts service started")
    yield
    await async_redis.aclose()
    await async_engine.dispose()
    await run_in_threadpool(engine.dispose)


app = FastAPI(title="Acme accounts", version="1.4.0", lifespan=lifespan)
app.include_router(auth.router)
app.include_router(users.router, dependencies=[Depends(rate_limit)])
app.include_router(reports.router, dependencies=[Depends(rate_limit)])
app.include_router(integrations.router)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/debug/latency")
async def simulate_latency(ms: int = 200) -> dict[str, int]:
    """Stand-in for a slow legacy call; the load tests use it to size the threadpool."""
    await asyncio.to_thread(time.sleep, ms / 1000)
    return {"slept_ms": ms}
