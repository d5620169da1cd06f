"""The service commands behind the CLI: `serve`, `user add`, `audit verify`, `retention`,
`backup`, `restore`."""

from __future__ import annotations

import getpass
import os
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tipline.errors import TiplineError
from tipline.service import audit
from tipline.service.accounts import auth
from tipline.service.children import Spawned, Supervised, watch_parent
from tipline.service.config import Settings
from tipline.service.db import Database
from tipline.service.runtime import Service, open_service


def serve(db: str | None, reporter_port: int, staff_port: int, host: str,
          settings: Settings | None = None) -> int:
    """Both apps, two ports: the reporter port can face the public while the staff port stays
    on an internal network. The reporter app is served from this process, the staff app from a
    child (`StaffProcess`), or from a thread here with `staff_process` off. Both ports are
    bound here first, so a port in use stops the start with its name, and a staff process
    started again takes over a socket whose waiting connections were kept. `settings` replaces
    the environment's (the load tool serves through here with its own)."""
    import uvicorn

    from tipline.service.jobs import Worker, WorkerProcess
    from tipline.service.reporter.app import create_reporter_app

    try:
        service = open_service(settings or Settings.from_env(db))
        sockets = [listen(host, port, app) for port, app in ((reporter_port, "reporter"),
                                                              (staff_port, "staff"))]
    except TiplineError as exc:
        print(f"tipline: {exc}", file=sys.stderr)
        return 2
    worker: Worker | WorkerProcess = (
        WorkerProcess(service.settings.db_url) if service.settings.worker_process
        else Worker(service.database, service.analyzer))
    if service.settings.run_worker:  # else `tipline worker` processes do the analyses
        worker.start()
    reporter = uvicorn.Server(server_config(create_reporter_app(service), service.settings))
    staff: StaffProcess | StaffThread = (
        StaffProcess(service.settings, sockets[1]) if service.settings.staff_process
        else StaffThread(service, sockets[1]))
    print(f"reporter app: http://{host}:{reporter_port}/   staff app: http://{host}:{staff_port}/"
          f"   database: {service.database.engine.url.render_as_string(hide_password=True)}",
          file=sys.stderr)
    staff.start()
    try:
        reporter.run(sockets=sockets[:1])  # the main thread owns signals; Ctrl-C stops both
    finally:
        staff.stop()
        worker.stop()
        for sock in sockets:
            sock.close()
    return 0


def listen(host: str, port: int, app: str) -> socket.socket:
    """A listening TCP socket on host:port, or a TiplineError naming the app and the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # uvicorn's backlog: connections wait here while an app (re)starts
    except OSError as exc:
        sock.close()
        raise TiplineError(f"the {app} app cannot listen on {host}:{port}: "
                           f"{exc.strerror or exc}") from None
    return sock


def server_config(app: Any, settings: Settings) -> Any:
    import uvicorn

    # No access logs: uvicorn's access logger is process-wide, and a reporter's address must
    # never be written down. Staff activity is in the audit log instead. Host and port are the
    # socket's, bound by `serve`.
    return uvicorn.Config(app, log_level="info", access_log=False, **proxy_options(settings))


class StaffThread:
    """The staff app on a thread of this process, with the failed-login flusher."""

    def __init__(self, service: Service, sock: socket.socket) -> None:
        import uvicorn

        from tipline.service.staff.app import create_staff_app

        self.server = uvicorn.Server(server_config(create_staff_app(service), service.settings))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]},
                                       daemon=True)
        self.sock = sock
        self.stop_flusher = threading.Event()
        self.flusher = threading.Thread(target=service.failed_logins.run,
                                        args=(service.database, self.stop_flusher), daemon=True)

    def start(self) -> None:
        self.thread.start()
        self.flusher.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self._stop_flusher()

    def _stop_flusher(self) -> None:
        self.stop_flusher.set()  # after the staff app: its last failed logins are counted too
        self.flusher.join(timeout=10)

    def run_here(self, parent: int) -> None:
        """Serve on this (the main) thread until SIGTERM or until `parent` is gone, then write
        the failed logins still only counted: the staff process's body."""
        self.flusher.start()
        watch_parent(parent, lambda: setattr(self.server, "should_exit", True))
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self._stop_flusher()


def _serve_staff(settings: Settings, sock: socket.socket, parent: int) -> None:
    """The staff process: a fresh interpreter (spawned, nothing forked from the server's
    threads), in a session of its own so that a Ctrl-C meant for the server reaches it only
    through the server's `stop`, serving on the server's socket."""
    os.setsid()
    StaffThread(open_service(settings, migrate_schema=False), sock).run_here(parent)


class StaffProcess(Supervised):
    """The staff app in a child process (the default; `TIPLINE_STAFF_PROCESS=0` keeps it on a
    thread of the server's): the two apps then each have an interpreter lock, an event loop
    and a core to themselves, so a flood of guesses at one does not queue the other's requests
    behind it (README, Load test). Their throttles were each app's own already; on SQLite the
    processes queue for the write lock on `db.WriteGate`'s lock file. The listening socket is
    the server's: a staff process started again after a crash answers the connections that
    arrived meanwhile."""

    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        import multiprocessing

        self.context = multiprocessing.get_context("spawn")
        self.args = (settings, sock, os.getpid())
        super().__init__("staff app", self._launch)

    def _launch(self) -> Spawned:
        proc = self.context.Process(target=_serve_staff, args=self.args, name="tipline-staff")
        proc.start()
        return Spawned(proc)


def proxy_options(settings: Settings) -> dict[str, Any]:
    """X-Forwarded-For is read only from the configured proxy (uvicorn otherwise believes any
    local peer, and every throttle keyed on the address could be dodged by a header)."""
    if not settings.trusted_proxy:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxy}


def add_user(name: str, role: str, password_stdin: bool, db: str | None) -> int:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            print("tipline: the passwords differ", file=sys.stderr)
            return 2
    try:
        service = open_service(Settings.from_env(db))
        with service.database.session() as session:
            user = auth.create_user(session, service.hasher, name, role, password,
                                    vault=service.vault)
            audit.record(session, "cli", "user.add", username=name, role=role)
            secret = auth.totp_secret(user, service.vault)
            assert secret  # create_user enrols every account made here
            uri = auth.totp_uri(name, secret)
    except TiplineError as exc:
        print(f"tipline: {exc}", file=sys.stderr)
        return 2
    print(f"created {role} {name!r}")
    print("add this to an authenticator app (TOTP); it is shown only now:")
    print(f"  secret: {secret}")
    print(f"  uri:    {uri}")
    return 0


def verify_audit(db: str | None, anchors: list[str] | None = None) -> int:
    try:
        wanted = [audit.parse_anchor(a) for a in anchors or []]
    except ValueError as exc:
        print(f"tipline: --anchor: {exc}", file=sys.stderr)
        return 2
    try:
        service = open_service(Settings.from_env(db))
        with service.database.session() as session:
            verdict = audit.verify(session, wanted)
    except TiplineError as exc:
        print(f"tipline: {exc}", file=sys.stderr)
        return 2
    if verdict.ok:
        anchored = f", {len(wanted)} anchor(s) found" if wanted else ""
        print(f"audit log intact: {verdict.checked} entries, hash chain verified{anchored}")
        if verdict.tip:
            print(f"tip: {verdict.tip}")
            print("keep the tip outside the database; `tipline audit verify --anchor TIP` "
                  "later proves the log was not rewritten up to it")
        return 0
    print(f"AUDIT LOG BROKEN at entry {verdict.seq}: {verdict.problem}", file=sys.stderr)
    print(f"{verdict.checked} entries before it verified", file=sys.stderr)
    return 1


def retention(db: str | None, apply: bool) -> int:
    """List the closed cases whose retention is over; with `apply`, erase them."""
    from tipline.service.casefiles import retention as policy
    from tipline.service.models import utcnow

    try:
        service = open_service(Settings.from_env(db))
        sweep = policy.run(service.database, utcnow(), apply, actor="cli")
    except TiplineError as exc:
        print(f"tipline: {exc}", file=sys.stderr)
        return 2
    rows = [(k, "erased" if apply else "due") for k in sweep.due]
    rows += [(k, f"held: {k.hold}") for k in sweep.held]
    for k, what in rows:
        print(f"{k.case_id}\t{k.disposition}\tclosed {k.closed_at:%Y-%m-%d}\t"
              f"kept until {k.keep_until:%Y-%m-%d}\t{what}")
    verb = "erased" if apply else "due for erasure (run with --apply to erase them)"
    print(f"{len(sweep.due)} closed case(s) {verb}; {len(sweep.held)} past their period but "
          f"under legal hold; {sweep.within} still within retention", file=sys.stderr)
    return 0


@contextmanager
def _store(db: str | None) -> Iterator[tuple[Database, bytes | None]]:
    """The database and the identity key if there is one (backup and restore never make one),
    without starting the service."""
    from tipline.service.identity import IdentityKeyError, load_key

    settings = Settings.from_env(db)
    try:
        key: bytes | None = load_key(settings.data_dir, may_create=False)
    except IdentityKeyError:
        key = None
    database = Database(settings.db_url)
    try:
        yield database, key
    finally:
        database.dispose()


def backup(db: str | None, file: Path) -> int:
    """Write the store (every table, attachments included) to one archive; never the key."""
    from tipline.service import backup as archive

    try:
        with _store(db) as (database, key):
            made = archive.create(database, file, key)
    except (TiplineError, OSError) as exc:
        print(f"tipline: backup failed: {exc}", file=sys.stderr)
        return 2
    total = sum(made.rows.values())
    print(f"backup written: {made.path} ({total} rows in {len(made.rows)} tables)")
    print("it holds every report in clear (mode 0600): keep it as safe as the database. "
          "The identity key is NOT in it: keep the key separately; without it the backup's "
          "sealed reporter identities and TOTP secrets can never be opened.")
    if not made.keyed:
        print("no identity key was found, so the archive records no key fingerprint",
              file=sys.stderr)
    return 0


def restore(db: str | None, file: Path, force: bool) -> int:
    """Load an archive into the store; refuse a damaged one, or a non-empty store unless
    `force`; warn plainly when the identity key here is not the one the backup was made with."""
    from tipline.service import backup as archive

    try:
        with _store(db) as (database, key):
            done = archive.restore(database, file, key, force=force)
    except (TiplineError, OSError) as exc:
        print(f"tipline: restore failed: {exc}", file=sys.stderr)
        return 2
    total = sum(done.rows.values())
    replaced = " (the store's previous content was replaced)" if done.replaced else ""
    print(f"restored {total} rows from {file}, made {done.manifest.get('created_at')}"
          f"{replaced}; audit tip at backup: {done.manifest.get('audit_tip')}")
    if done.key_matches is False:
        print("WARNING: the identity key here is not the key this backup was made with. "
              "Everything was restored, but the sealed reporter identities and staff TOTP "
              "secrets cannot be opened without the original key (staff cannot log in with "
              "their codes, and reporters' receipts no longer open their reports). "
              "Set TIPLINE_IDENTITY_KEY or TIPLINE_DATA_DIR to the original key. "
              "`tipline audit verify` works without it.", file=sys.stderr)
    elif done.key_matches is None and (done.rows.get("reporter_identities") or
                                       done.rows.get("users")):
        print("note: the backup records no identity key fingerprint (none was found when it "
              "was made), so it cannot be told whether the key here opens its sealed "
              "identities and TOTP secrets", file=sys.stderr)
    return 0
