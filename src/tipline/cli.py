"""The `tipline` command line (shared/api-contract.md). Heavy imports stay inside commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tipline.errors import TiplineError

# tipline.links.link.THRESHOLD, written out so the CLI starts without loading the linker
# (tests/links/test_cli_links.py checks that they agree)
LINK_THRESHOLD = 0.715

app = typer.Typer(
    help="Tipline: reporting hotline and lead verification.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The append-only audit log.", no_args_is_help=True)
batch_app = typer.Typer(help="Archive-wide jobs on Dask (a local cluster, or --address).",
                        no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(batch_app, name="batch")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL; default $TIPLINE_DATABASE_URL or a SQLite file."),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    print(f"tipline: {message}", file=sys.stderr)
    return typer.Exit(code)


@app.command()
def analyze(
    paths: Annotated[list[Path], typer.Argument(help="Case files or folders of case files.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the analysis contract.")] = False,
    html: Annotated[Path | None, typer.Option("--html", help="Write a report page.")] = None,
    nli: Annotated[bool, typer.Option(
        help="Use the NLI model where the learned scorer (scorer.yaml) gives it a say.")] = True,
) -> None:
    """Analyse case files: contradictions, evidence conflicts, evasion, probing, timeline."""
    from tipline.commands import run_analyze

    try:
        code = run_analyze(paths, json_out=json_out, html=html, use_nli=nli)
    except TiplineError as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


@app.command()
def demo(
    html: Annotated[Path | None, typer.Option("--html", help="Also write a report page.")] = None,
) -> None:
    """Analyse the bundled demo case and show the report."""
    from tipline.commands import run_demo

    raise typer.Exit(run_demo(html=html))


@app.command("nli")
def nli_pairs(
    pairs: Annotated[Path, typer.Option("--pairs", help="TSV: text_a<TAB>text_b per line.")],
) -> None:
    """Score text pairs with the NLI model: one JSON line per pair."""
    from tipline.nli.command import run_pairs_command

    raise typer.Exit(run_pairs_command(pairs))


@app.command()
def export(
    paths: Annotated[list[Path] | None, typer.Argument(help="Case files or folders.")] = None,
    ftm: Annotated[bool, typer.Option("--ftm", help="FollowTheMoney entities as JSON lines.")
                   ] = False,
    all_dir: Annotated[Path | None, typer.Option("--all", help="Every case file in a folder.")
                       ] = None,
) -> None:
    """Export cases for other tools: `--ftm` prints FollowTheMoney entities (Aleph/OpenAleph)."""
    from tipline.links.command import run_export

    if not ftm:
        raise _fail("choose a format: --ftm")
    targets = [*(paths or []), *([all_dir] if all_dir else [])]
    if not targets:
        raise _fail("give a case file, or --all DIR")
    try:
        code = run_export(targets)
    except TiplineError as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


@app.command()
def links(
    paths: Annotated[list[Path], typer.Argument(help="Folders of case files, or case files.")],
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per link.")] = False,
    threshold: Annotated[float, typer.Option(
        help="Lowest score of a name match that counts as a link.")] = LINK_THRESHOLD,
) -> None:
    """Links between cases: shared identifiers and matching people, each with its reasons."""
    from tipline.links.command import run_links

    try:
        code = run_links(paths, json_out=json_out, threshold=threshold)
    except TiplineError as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


@app.command()
def serve(
    db: DbOption = None,
    reporter_port: Annotated[int, typer.Option("--reporter-port")] = 8000,
    staff_port: Annotated[int, typer.Option("--staff-port")] = 8001,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
) -> None:
    """Run the reporter app and the staff app."""
    from tipline.service.commands import serve as run

    raise typer.Exit(run(db=db, reporter_port=reporter_port, staff_port=staff_port, host=host))


@app.command()
def worker(
    db: DbOption = None,
    once: Annotated[bool, typer.Option("--once", help="Drain the queue, then exit.")] = False,
) -> None:
    """Run a background analysis worker (extra processes for PostgreSQL deployments)."""
    from tipline.service.jobs import main as run_worker

    raise typer.Exit(run_worker([*(["--db", db] if db else []), *(["--once"] if once else [])]))


@app.command("import")
def import_evidence(
    file: Annotated[Path, typer.Argument(help="The file to read.")],
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="bank-csv, whatsapp, telegram, email, location-csv, pdf, image.")],
    id_prefix: Annotated[str | None, typer.Option(
        "--id-prefix", help="Prefix of the record ids (default per format: wa-, bank-, …).")
                         ] = None,
    date_order: Annotated[str | None, typer.Option(
        "--date-order", help="dmy, mdy or ymd for numeric dates (default: inferred).")] = None,
    currency: Annotated[str | None, typer.Option(
        "--currency", help="Bank CSV: currency where the file names none (ISO code).")] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="Bank CSV: a saved column mapping by name.")] = None,
    profiles: Annotated[Path | None, typer.Option(
        "--profiles", help="Bank CSV: a YAML file of saved profiles.")] = None,
    ocr_lang: Annotated[str, typer.Option(
        "--ocr-lang", help="Image: Tesseract languages.")] = "eng+chi_sim",
) -> None:
    """Read evidence records from a file; print them as JSON lines in the case-file shape."""
    from tipline.imports.command import run_import

    try:
        code = run_import(file, fmt, id_prefix=id_prefix, date_order=date_order,
                          currency=currency, profile=profile, profiles=profiles,
                          ocr_lang=ocr_lang)
    except TiplineError as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[str, typer.Option("--role")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    db: DbOption = None,
) -> None:
    """Create a staff account (investigator, supervisor, custodian, admin)."""
    from tipline.service.commands import add_user

    raise typer.Exit(add_user(name=name, role=role, password_stdin=password_stdin, db=db))


@audit_app.command("verify")
def audit_verify(
    db: DbOption = None,
    anchor: Annotated[list[str] | None, typer.Option(
        help="a tip printed by an earlier verify (SEQ:HASH); repeatable")] = None,
) -> None:
    """Check the audit log's hash chain; exit 1 and name the first bad entry if broken."""
    from tipline.service.commands import verify_audit

    raise typer.Exit(verify_audit(db=db, anchors=anchor))


@app.command("retention")
def retention(
    db: DbOption = None,
    apply: Annotated[bool, typer.Option("--apply", help="Erase them (default: only list).")
                     ] = False,
) -> None:
    """Closed cases past their retention period (workflow.yaml retention_days): list or erase."""
    from tipline.service.commands import retention as run

    raise typer.Exit(run(db=db, apply=apply))


@app.command("backup")
def backup(
    file: Annotated[Path, typer.Argument(help="The archive to write (a .tar.gz).")],
    db: DbOption = None,
) -> None:
    """Back up the store (every table, attachments included) to one archive; never the key."""
    from tipline.service.commands import backup as run

    raise typer.Exit(run(db=db, file=file))


@app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="An archive written by `tipline backup`.")],
    db: DbOption = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a store that is not empty.")] = False,
) -> None:
    """Restore an archive; refuses a damaged archive, or a non-empty store without --force."""
    from tipline.service.commands import restore as run

    raise typer.Exit(run(db=db, file=file, force=force))


AddressOption = Annotated[str | None, typer.Option(
    "--address", "--cluster", help="A Dask scheduler, e.g. tcp://host:8786; default: a local "
    "cluster. --cluster is the same option under shared/api-contract.md's name.")]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Local worker processes (default: one per core); with "
    "--address, the number of workers to wait for.")]
TimeoutOption = Annotated[float, typer.Option(
    "--timeout", min=0.1, help="Seconds to wait for the scheduler at --address.")]


@batch_app.command("analyze")
def batch_analyze(db: DbOption = None, address: AddressOption = None,
                  workers: WorkersOption = None, timeout: TimeoutOption = 10.0) -> None:
    """Re-analyse every stored case not yet analysed by this analysis engine; resumable."""
    from tipline.batch.command import batch_analyze as run

    raise typer.Exit(run(db, address, workers, timeout))


@batch_app.command("link")
def batch_link(
    db: DbOption = None, address: AddressOption = None, workers: WorkersOption = None,
    timeout: TimeoutOption = 10.0,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per link.")] = False,
    threshold: Annotated[float, typer.Option(
        help="Lowest score of a name match that counts as a link.")] = LINK_THRESHOLD,
) -> None:
    """Re-link every stored case: links with their reasons, as `tipline links` prints them."""
    from tipline.batch.command import batch_link as run

    raise typer.Exit(run(db, address, workers, timeout, json_out=json_out,
                         threshold=threshold))


def main() -> None:
    app()
