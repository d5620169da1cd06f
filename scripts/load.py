"""Load test of both apps with locust: legitimate users, with and without an attack (issue 14).

    .venv/bin/python scripts/load.py [--db sqlite postgresql] [--scenario plain attack]
                                     [--duration 90] [--reporters 50] [--staff 20]
                                     [--attackers 200] [--repeat 1] [--warmup 0]

For each database and scenario: a fresh database (PostgreSQL at TIPLINE_TEST_PG_URL, as in the
tests) and data folder; the apps served by `tipline serve`'s own code in a child process
(production argon2, the 1 s wrong-receipt delay, every throttle at its production value except
the hourly cap on new reports, which 50 reporters in a loop pass in a minute, and the analysis
worker with the real analyzer, by default `tipline serve`'s own child process); then locust,
headless and in this process, runs `scripts/locustfile.py`: 50 reporters (each round a new
reporter from a new loopback address: submit the form, open the follow-up with the receipt,
read the page in the session, send a message, read again), 20 supervisors on the API (log in
with password and one-time code, list the cases, open one, a new token every 35 s) and, in the
attack scenario, 200 more loopback addresses sending wrong receipts and failed logins on the
staff accounts. The attackers run in a process of their own (`--attack`), as they would be
other machines: in the legitimate users' process their 175 requests a second queued the
legitimate clients' own timing behind them, which is the load tool measuring itself.
Prints Markdown: per route n, throughput, p50/p95/p99/max and the answers counted (0 = no
answer: a dropped connection or a timeout); then legitimate p99 without and with the attack.
The load generator shares the machine with the server: on 2 cores its own CPU is in the
numbers (locust warns when it is short of CPU; the table says so).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
PASSWORD = "load test password, long enough"
PORTS = (18100, 18101)
# Words of the reports and messages the users send: none may reach the server's log.
REPORT_WORDS = ("depot manager takes cash", "He asked again today")


def serve(url: str, folder: str, worker: str, staff_process: bool = True) -> None:
    """The child: migrate, add the supervisors (their secrets to staff.json) and 20 reports,
    then serve both apps through `tipline serve`'s code with the load settings."""
    from tipline.service import commands, migrate
    from tipline.service.accounts import auth
    from tipline.service.config import Settings
    from tipline.service.db import make_engine
    from tipline.service.intake import reports
    from tipline.service.runtime import open_service

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    settings = dataclasses.replace(Settings.from_env(url), submissions_global=(10**9, 3600.0),
                                   run_worker=worker in ("child", "thread"),
                                   worker_process=worker == "child",
                                   staff_process=staff_process)
    svc = open_service(settings, migrate_schema=False)
    staff = []
    with svc.database.session() as db:
        for i in range(20):
            user = auth.create_user(db, svc.hasher, f"staff{i}", "supervisor", PASSWORD,
                                    vault=svc.vault)
            staff.append((user.username, PASSWORD, auth.totp_secret(user, svc.vault)))
        for i in range(20):
            reports.submit(svc, db, text=f"Seed report {i}: the clerk sells permits.")
    svc.database.dispose()
    (Path(folder) / "staff.json").write_text(json.dumps(staff))
    raise SystemExit(commands.serve(url, PORTS[0], PORTS[1], "127.0.0.1", settings=settings))


@dataclass
class Run:
    """What one scenario measured."""

    backend: str
    attack: bool
    seconds: float
    worker: str
    one_process: bool = False  # the staff app on a thread of the server's process
    rows: list[tuple[str, int, float, bool]] = field(default_factory=list)  # route, status, ms
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after
    server_cpu_s: float = 0.0
    worker_cpu_s: float = 0.0  # the analysis worker's process, when it has its own
    client_cpu_s: float = 0.0
    locust_cpu_warning: bool = False
    crowd_nice: int = 0
    log_leak: bool = False
    jobs: dict[str, int] = field(default_factory=dict)
    ends: list[float] = field(default_factory=list)  # seconds into the run each row ended

    def times(self, route: str) -> list[float]:
        return sorted(ms for r, _, ms, _ in self.rows if r == route)

    def routes(self) -> list[str]:
        return list(dict.fromkeys(r for r, _, _, _ in self.rows))


def pooled(runs: list[Run]) -> Run:
    """Several runs of one scenario as one: their requests together, their seconds added, so
    a p99 rests on several times the samples (one run's p99 is its few slowest requests)."""
    first = runs[0]
    return dataclasses.replace(first, seconds=sum(r.seconds for r in runs),
                               rows=[row for r in runs for row in r.rows], ends=[])


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted values."""
    return values[max(0, math.ceil(q * len(values)) - 1)] if values else float("nan")


def attack(config: str) -> None:
    """The child that plays the attacking crowd, in its own process and event loop. Says
    "ready" once loaded, starts on "go" and writes what it measured to the config's `out`."""
    import resource

    import gevent
    import locustfile as users
    from locust.env import Environment

    cfg = json.loads(Path(config).read_text())
    if cfg.get("nice"):  # other machines' CPU: it yields to the server and the users it measures
        os.nice(cfg["nice"])
    users.CONFIG.update(reporter_url=cfg["reporter_url"], staff_url=cfg["staff_url"],
                        staff=[tuple(s) for s in cfg["staff"]])
    users.Attacker.fixed_count = cfg["attackers"]
    rows: list[tuple[str, int, float, bool, float]] = []
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.monotonic()

    def record(name: str, response: Any = None, response_time: float = 0.0,
               exception: Any = None, **_: Any) -> None:
        rows.append((name, int(getattr(response, "status_code", 0) or 0), float(response_time),
                     exception is None, time.monotonic() - started))

    environment = Environment(user_classes=[users.Attacker])
    environment.events.request.add_listener(record)
    runner = environment.create_local_runner()
    runner.start(cfg["attackers"], spawn_rate=min(max(cfg["attackers"] / 2, 1), 100))
    gevent.sleep(cfg["duration"])
    runner.quit()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    Path(cfg["out"]).write_text(json.dumps({
        "rows": rows, "cpu_s": usage.ru_utime + usage.ru_stime,
        "cpu_warning": runner.cpu_warning_emitted}))


def server_env(url: str, folder: str) -> dict[str, str]:
    """The environment of the server child (`--serve`): its database and data folder, no
    identity key or trusted proxy from the caller's shell."""
    env = {**os.environ, "TIPLINE_DATA_DIR": folder, "TIPLINE_DATABASE_URL": url,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT),
                                          os.environ.get("PYTHONPATH", "")])}
    env.pop("TIPLINE_IDENTITY_KEY", None)
    env.pop("TIPLINE_TRUSTED_PROXY", None)
    return env


def wait_until_up(proc: subprocess.Popen[bytes], folder: Path) -> list[list[str]]:
    import urllib.request

    for _ in range(1200):
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}; see {folder}/server.log")
        if (folder / "staff.json").exists():
            try:
                for port in PORTS:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                return list(json.loads((folder / "staff.json").read_text()))
            except OSError:
                pass
        time.sleep(0.1)
    raise SystemExit("the server did not start within 120 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def analysing(pid: int) -> bool:
    """Whether this process is an analysis worker (`python -m tipline.service.jobs`)."""
    try:
        return b"tipline.service.jobs" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def jobs_by_status(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from tipline.service.db import Database
    from tipline.service.models import Job

    database = Database(url)
    try:
        with database.session() as db:
            return {s: int(n) for s, n in db.execute(
                select(Job.status, func.count()).group_by(Job.status))}
    finally:
        database.dispose()


def run(backend: str, attack: bool, args: argparse.Namespace, round_: int = 0) -> Run:
    import gevent
    import locustfile as users
    from locust.env import Environment
    from tests.service.conftest import fresh_database

    from tipline.service.children import child_pids

    result = Run(backend, attack, args.duration, args.worker, args.one_process)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
        folder = Path(tmp)
        env = server_env(url, tmp)
        log = (folder / "server.log").open("wb")
        proc = subprocess.Popen([sys.executable, __file__, "--serve", url, tmp, args.worker]
                                + (["one-process"] if args.one_process else []),
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        analysis: subprocess.Popen[bytes] | None = None
        try:
            staff = wait_until_up(proc, folder)
            if args.worker == "process":  # `tipline worker`, as the README advises
                analysis = subprocess.Popen(
                    [sys.executable, "-c", "from tipline.cli import app; app()", "worker",
                     "--db", url], env=env, stdout=log, stderr=subprocess.STDOUT)
            users.CONFIG.update(reporter_url=f"http://127.0.0.1:{PORTS[0]}",
                                staff_url=f"http://127.0.0.1:{PORTS[1]}",
                                staff=[tuple(s) for s in staff])
            users.Reporter.fixed_count = args.reporters
            users.Staff.fixed_count = args.staff
            users.Attacker.fixed_count = args.attackers
            legit = [users.Reporter, users.Staff]
            crowd: subprocess.Popen[str] | None = None
            if attack:
                (folder / "attack.json").write_text(json.dumps({
                    **{k: users.CONFIG[k] for k in ("reporter_url", "staff_url", "staff")},
                    "attackers": args.attackers, "duration": args.duration,
                    "nice": args.crowd_nice,
                    "out": str(folder / "attack-rows.json")}))
                crowd = subprocess.Popen([sys.executable, __file__, "--attack",
                                          str(folder / "attack.json")], env=env, text=True,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                assert crowd.stdout is not None
                crowd.stdout.readline()  # "ready": loaded, waiting for the start
            started: float | None = None  # the measured window's start

            def record(name: str, response: Any = None, response_time: float = 0.0,
                       exception: Any = None, **_: Any) -> None:
                if started is None:  # still warming up
                    return
                status = int(getattr(response, "status_code", 0) or 0)
                result.rows.append((name, status, float(response_time), exception is None))
                result.ends.append(time.monotonic() - started)

            runners = []

            def start(classes: list[Any]) -> None:
                """These users in a runner of their own, spawned within 2-3 s."""
                if not classes:
                    return
                environment = Environment(user_classes=classes)
                environment.events.request.add_listener(record)
                runners.append(environment.create_local_runner())
                total = sum(c.fixed_count for c in classes)
                runners[-1].start(total, spawn_rate=min(max(total / 2, 1), 100))

            if args.warmup:  # the legitimate users first, unmeasured; then the attack begins
                start(legit)
                gevent.sleep(args.warmup)
            result.load = (os.getloadavg()[0], 0.0)
            own0 = cpu_seconds(os.getpid())
            kids = child_pids(proc.pid)  # the analysis child, and the staff app's with its own
            serving = [proc.pid] + [k for k in kids if not analysing(k)]
            kids = [k for k in kids if analysing(k)] + ([analysis.pid] if analysis else [])
            cpu0, kids0 = (sum(cpu_seconds(k) for k in pids) for pids in (serving, kids))
            started = time.monotonic()
            if crowd is not None:
                assert crowd.stdin is not None
                crowd.stdin.write("go\n")
                crowd.stdin.flush()
            if not args.warmup:
                start(legit)
            gevent.sleep(args.duration)
            for runner in runners:
                runner.quit()
            result.server_cpu_s = sum(cpu_seconds(k) for k in serving) - cpu0  # both apps
            result.worker_cpu_s = sum(cpu_seconds(k) for k in kids) - kids0
            result.client_cpu_s = cpu_seconds(os.getpid()) - own0
            result.load = (result.load[0], os.getloadavg()[0])
            result.locust_cpu_warning = any(r.cpu_warning_emitted for r in runners)
            if crowd is not None:
                result.crowd_nice = args.crowd_nice
                crowd.wait(timeout=args.duration + 120)
                measured = json.loads((folder / "attack-rows.json").read_text())
                for name, status, ms, ok, end in measured["rows"]:
                    result.rows.append((name, status, ms, ok))
                    result.ends.append(end)
                result.client_cpu_s += measured["cpu_s"]
                result.locust_cpu_warning |= measured["cpu_warning"]
        finally:
            if crowd is not None and crowd.poll() is None:
                crowd.kill()
            if analysis is not None:
                analysis.kill()
                analysis.wait(timeout=30)
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
        text = (folder / "server.log").read_text(errors="replace")
        result.log_leak = any(w in text for w in REPORT_WORDS)
        if args.keep_log:
            Path(args.keep_log).mkdir(parents=True, exist_ok=True)
            name = f"{backend}-{'attack' if attack else 'plain'}" + (
                f"-{round_ + 1}" if args.repeat > 1 else "")
            (Path(args.keep_log) / f"{name}.log").write_text(text)
            with (Path(args.keep_log) / f"{name}.tsv").open("w") as times:
                times.write("end_s\troute\tstatus\tms\n")  # when each request ended
                for end, (route, status, ms, _) in zip(result.ends, result.rows, strict=True):
                    times.write(f"{end:.3f}\t{route}\t{status}\t{ms:.0f}\n")
        result.jobs = jobs_by_status(url)
    return result


def legitimate(route: str) -> bool:
    return not route.startswith("attack:")


def table(run_: Run) -> str:
    title = (f"{run_.backend}, {'with' if run_.attack else 'without'} the attack, "
             f"analysis worker as a {run_.worker}, "
             f"{'one server process' if run_.one_process else 'staff app in its own process'}: "
             f"{run_.seconds:.0f} s, load average {run_.load[0]:.1f} → {run_.load[1]:.1f}, "
             f"CPU: server {run_.server_cpu_s:.0f} s"
             + (f", analysis process {run_.worker_cpu_s:.0f} s"
                if run_.worker in ("child", "process") else "")
             + f", locust {run_.client_cpu_s:.0f} s"
             + (f" (the attacking crowd at nice {run_.crowd_nice})" if run_.crowd_nice else "")
             + (", locust short of CPU" if run_.locust_cpu_warning else ""))
    out = [title, "", "| route | n | req/s | p50 ms | p95 ms | p99 ms | max ms | answers |",
           "|---|---|---|---|---|---|---|---|"]
    for route in run_.routes():
        t = run_.times(route)
        codes = Counter(s for r, s, _, _ in run_.rows if r == route)
        out.append(f"| {route} | {len(t)} | {len(t) / run_.seconds:.1f} | "
                   f"{quantile(t, .5):,.0f} | {quantile(t, .95):,.0f} | "
                   f"{quantile(t, .99):,.0f} | {t[-1]:,.0f} | "
                   + ", ".join(f"{c}×{n}" for c, n in sorted(codes.items())) + " |")
    legit = [row for row in run_.rows if legitimate(row[0])]
    errors = sum(1 for _, s, _, _ in run_.rows if s >= 500)
    dropped = sum(1 for _, s, _, _ in run_.rows if s == 0)
    refused = sum(1 for _, s, _, ok in legit if 0 < s < 500 and not ok)
    failed_checks = sum(1 for _, s, _, ok in legit if not ok and s in (200, 204))
    out += ["", f"5xx: {errors}; no answer: {dropped}; legitimate requests refused (4xx): "
            f"{refused}; answered without what they asked for: {failed_checks}; "
            f"report text in the server log: {'YES' if run_.log_leak else 'no'}; "
            f"analysis jobs: {', '.join(f'{k} {v}' for k, v in sorted(run_.jobs.items()))}"]
    return "\n".join(out)


def ratios(plain: Run, attacked: Run) -> dict[str, float]:
    """Each legitimate route's p99 with the attack over its p99 without."""
    out = {}
    for route in plain.routes():
        a, b = plain.times(route), attacked.times(route)
        if legitimate(route) and a and b:
            out[route] = quantile(b, .99) / quantile(a, .99)
    return out


def comparison(plain: Run, attacked: Run, rounds: int = 1) -> str:
    pooled_over = f", each pooled over {rounds} runs" if rounds > 1 else ""
    out = [f"{plain.backend}: legitimate p99 without and with the attack{pooled_over}", "",
           "| route | p99 ms without | p99 ms with | × | max ms with |", "|---|---|---|---|---|"]
    for route, ratio in ratios(plain, attacked).items():
        a, b = plain.times(route), attacked.times(route)
        out.append(f"| {route} | {quantile(a, .99):,.0f} | {quantile(b, .99):,.0f} | "
                   f"{ratio:.1f} | {b[-1]:,.0f} |")
    return "\n".join(out)


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:6] != ["one-process"])
        return
    import locust  # noqa: F401  (gevent's monkey-patching, before anything opens a socket)

    if sys.argv[1:2] == ["--attack"]:
        attack(sys.argv[2])
        return

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--scenario", nargs="+", default=["plain", "attack"],
                        choices=["plain", "attack"])
    parser.add_argument("--duration", type=float, default=90.0, help="seconds per scenario")
    parser.add_argument("--reporters", type=int, default=50)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--attackers", type=int, default=200)
    parser.add_argument("--crowd-nice", type=int, default=0, help="run the attacking crowd "
                        "at this lower CPU priority: it stands for other machines, whose CPU "
                        "is not the server's (the guesses a second are in each run's table)")
    parser.add_argument("--worker", choices=["child", "thread", "process", "none"],
                        default="child",
                        help="the analysis worker: `tipline serve`'s own child process (its "
                        "default), a thread in the server (TIPLINE_ANALYSIS_PROCESS=0), a "
                        "`tipline worker` process beside it (TIPLINE_ANALYSIS_THREAD=0) or "
                        "none (the requests alone; the reports queue unanalysed)")
    parser.add_argument("--one-process", action="store_true", help="serve the staff app "
                        "from a thread of the server's process (TIPLINE_STAFF_PROCESS=0) "
                        "instead of a process of its own")
    parser.add_argument("--keep-log", help="a folder to keep each run's server log in, and "
                        "each request's route, answer, time and when it ended (.tsv)")
    parser.add_argument("--warmup", type=float, default=0.0, help="start the legitimate "
                        "users this many seconds before the measured run (and the attack), "
                        "so that their own start (20 logins at once) is outside it")
    parser.add_argument("--repeat", type=int, default=1, help="run the scenarios this many "
                        "times, in turn, and compare p99 over all the runs of each together")
    args = parser.parse_args()
    for backend in args.db:
        runs: dict[str, list[Run]] = {s: [] for s in args.scenario}
        for round_ in range(args.repeat):
            for scenario in args.scenario:
                runs[scenario].append(run(backend, scenario == "attack", args, round_))
                print(table(runs[scenario][-1]) + "\n", flush=True)
            if len(runs) == 2 and args.repeat > 1:
                worst = max(ratios(runs["plain"][-1], runs["attack"][-1]).values())
                print(f"{backend}, run {round_ + 1}: worst legitimate p99 ratio {worst:.1f}\n",
                      flush=True)
        if len(runs) == 2:
            print(comparison(pooled(runs["plain"]), pooled(runs["attack"]), args.repeat)
                  + "\n", flush=True)


if __name__ == "__main__":
    main()
