"""The reporter app under uvicorn in a process of its own, for the tests that kill it -9.

    python -m tests.service.server_process DB_URL DATA_DIR PORT

Test settings (cheap argon2, short delays), the hourly cap on new reports lifted (a test's
burst is from one machine), the stand-in analyzer in an in-process worker as `tipline serve`
runs its own: a crash lands between requests, transactions and analyses alike."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import uvicorn

from tests.service.conftest import fast_settings, stand_in_analyzer
from tipline.service.jobs import Worker
from tipline.service.reporter.app import create_reporter_app
from tipline.service.runtime import open_service


def main(url: str, data_dir: str, port: int) -> None:
    settings = dataclasses.replace(fast_settings(url, Path(data_dir)),
                                   submissions_global=(10**9, 3600.0))
    service = open_service(settings, migrate_schema=False)
    service.analyzer = stand_in_analyzer  # type: ignore[assignment]
    Worker(service.database, service.analyzer, poll_s=0.2).start()
    uvicorn.run(create_reporter_app(service), host="127.0.0.1", port=port,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
