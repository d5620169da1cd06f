"""The request's database session: committed after the route, rolled back on an error, and
no trip through the thread pool of its own (issue 14: those trips were a quarter of the
server's time on the attack's guesses that reached their routes)."""

from __future__ import annotations

from collections.abc import Iterator

import anyio.to_thread
import pytest
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tipline.service import audit
from tipline.service.models import AuditEntry
from tipline.service.runtime import Service
from tipline.service.web import CommitRoute
from tipline.service.webdeps import Db


def entries(service: Service, action: str) -> int:
    with service.database.read() as db:
        return db.scalar(select(func.count()).select_from(AuditEntry)
                         .where(AuditEntry.action == action)) or 0


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.service = service
    router = APIRouter(route_class=CommitRoute)

    @router.post("/sync")
    def write_sync(db: Db) -> Response:  # an answer of its own: no response model to check
        audit.record(db, "test", "sync.write")
        return JSONResponse({"ok": True})

    @router.post("/async")
    async def write_async(db: Db) -> dict[str, bool]:  # left open: the dependency commits
        await anyio.to_thread.run_sync(lambda: audit.record(db, "test", "async.write"))
        return {"ok": True}

    @router.post("/fail")
    def write_then_fail(db: Db) -> None:
        audit.record(db, "test", "failed.write")
        db.flush()
        raise RuntimeError("after a write")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_session_commits_routes_work_and_rolls_back_a_failure(
        service: Service, client: TestClient) -> None:
    assert client.post("/sync").status_code == 200
    assert client.post("/async").status_code == 200
    assert client.post("/fail").status_code == 500
    assert (entries(service, "sync.write"), entries(service, "async.write"),
            entries(service, "failed.write")) == (1, 1, 0)
    assert client.post("/sync").status_code == 200  # no connection or lock left behind
    assert entries(service, "sync.write") == 2


def test_a_sync_route_takes_one_worker_thread_trip(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """FastAPI runs a sync generator dependency's start and end in worker threads, each
    a trip of its own beside the route's: the session is opened and closed on the loop."""
    trips: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        trips.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    assert client.post("/sync").status_code == 200
    assert len(trips) == 1, trips
