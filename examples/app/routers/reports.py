"""Monthly PDF reports, rendered from the analytics database."""

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from time import sleep
from typing import Any

import httpx
from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ..config import settings
from ..db import get_async_db, get_db
from ..models import Report, User
from ..schemas import ReportOut, ReportRequest
from ..security import get_current_user

router = APIRouter(prefix="/reports", tags=["reports"])

DAILY_STATS_SQL = """
    SELECT day, signups, revenue_eur
    FROM daily_stats
    WHERE strftime('%Y-%m', day) = ?
    ORDER BY day
"""


def render_rows(rows: Iterable[tuple[str, int, float]], eur_to_usd: float) -> str:
    return "\n".join(
        f"<tr><td>{day}</td><td>{signups}</td><td>{revenue * eur_to_usd:,.2f}</td></tr>"
        for day, signups, revenue in rows
    )


async def fetch_fx_rates() -> dict[str, Any]:
    with urllib.request.urlopen(settings.fx_url, timeout=5) as response:  # expect: ASL101
        return json.load(response)


@router.get("/", response_model=list[ReportOut])
async def list_reports(
    current: User = Depends(get_current_user), db: AsyncSession = Depends(get_async_db)
) -> list[Report]:
    query = select(Report).where(Report.owner_id == current.id).order_by(Report.created_at.desc())
    result = await db.execute(query)
    return list(result.scalars())


@router.post("/", response_model=ReportOut, status_code=201)
async def create_report(
    body: ReportRequest,
    current: User = Depends(get_current_user),
    db: Session = Depends(get_db),
) -> Report:
    conn = sqlite3.connect(settings.analytics_db)  # expect: ASL105
    try:
        rows = conn.execute(DAILY_STATS_SQL, (body.month,)).fetchall()  # expect: ASL105
    finally:
        conn.close()
    if not rows:
        raise HTTPException(status_code=404, detail=f"No data for {body.month}")

    rates = await fetch_fx_rates()
    template = Path(settings.template_dir, "report.html").read_text()  # expect: ASL103
    html = template.format(title=body.title, rows=render_rows(rows, rates["rates"]["USD"]))

    report = Report(owner_id=current.id, title=body.title, status="rendering")
    db.add(report)
    db.commit()  # expect: ASL105

    html_path = Path(settings.report_dir) / f"{report.id}.html"
    pdf_path = html_path.with_suffix(".pdf")
    with open(html_path, "w", encoding="utf-8") as fh:  # expect: ASL103
        fh.write(html)
    subprocess.run(["wkhtmltopdf", str(html_path), str(pdf_path)], check=True)  # expect: ASL104
    shutil.copyfile(pdf_path, Path(settings.archive_dir) / pdf_path.name)  # expect: ASL103
    os.system(f"gzip --keep --force {html_path}")  # expect: ASL104

    report.status = "ready"
    report.pdf_path = str(pdf_path)
    db.commit()  # expect: ASL105
    return report


@router.get("/{report_id}/pdf")
def download_report(report_id: int, db: Session = Depends(get_db)) -> Response:
    # Sync route: runs in the threadpool, so reading the file here is fine.
    report = db.get(Report, report_id)
    if report is None or report.pdf_path is None:
        raise HTTPException(status_code=404, detail="Report not found")
    with open(report.pdf_path, "rb") as fh:
        return Response(fh.read(), media_type="application/pdf")


@router.post("/{report_id}/thumbnail")
def render_thumbnail(report_id: int, db: Session = Depends(get_db)) -> dict[str, str]:
    report = db.get(Report, report_id)
    if report is None or report.pdf_path is None:
        raise HTTPException(status_code=404, detail="Report not found")
    stem = Path(report.pdf_path).with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-singlefile", "-scale-to", "400", report.pdf_path, str(stem)],
        check=True,
    )
    return {"thumbnail": f"{stem}.png"}


@router.post("/{report_id}/rebuild", response_model=ReportOut)
async def rebuild_report(report_id: int, db: AsyncSession = Depends(get_async_db)) -> Report:
    report = await db.get(Report, report_id)
    if report is None or report.pdf_path is None:
        raise HTTPException(status_code=404, detail="Report not found")
    pdf_path = Path(report.pdf_path)

    def rebuild() -> None:
        html_path = pdf_path.with_suffix(".html")
        subprocess.run(["wkhtmltopdf", str(html_path), str(pdf_path)], check=True)
        shutil.copyfile(pdf_path, Path(settings.archive_dir) / pdf_path.name)

    await run_in_threadpool(rebuild)
    report.status = "ready"
    await db.commit()
    return report


@router.post("/{report_id}/archive")
async def archive_report(
    report_id: int, db: AsyncSession = Depends(get_async_db)
) -> dict[str, str]:
    report = await db.get(Report, report_id)
    if report is None or report.pdf_path is None:
        raise HTTPException(status_code=404, detail="Report not found")
    target = Path(settings.archive_dir) / Path(report.pdf_path).name
    await asyncio.to_thread(shutil.copyfile, report.pdf_path, target)
    return {"archived_to": str(target)}


@router.post("/{report_id}/bi-export")
async def export_to_bi(report_id: int, current: User = Depends(get_current_user)) -> dict[str, Any]:
    export_request = {"report_id": report_id, "requested_by": current.email}
    job = httpx.post(f"{settings.bi_url}/exports", json=export_request).json()  # expect: ASL101
    for _ in range(30):
        state = httpx.get(f"{settings.bi_url}/exports/{job['id']}").json()  # expect: ASL101
        if state["status"] in {"done", "failed"}:
            return state
        sleep(1)  # expect: ASL102
    raise HTTPException(status_code=504, detail="BI export did not finish in time")


@router.get("/{report_id}/bi-export/{job_id}")
async def bi_export_status(report_id: int, job_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=settings.bi_url, timeout=10) as client:  # expect: ASL201
        for _ in range(5):
            response = await client.get(f"/exports/{job_id}")
            if response.status_code != 202:
                return response.json()
            await asyncio.sleep(1)
    raise HTTPException(status_code=504, detail="BI export still running")
