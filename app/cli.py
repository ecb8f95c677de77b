"""Flask CLI commands: deploy diagrams, create users, seed the demo, fire timers."""
import click
from flask import Flask, current_app

from app.services.errors import ServiceError


def register_cli(app: Flask) -> None:
    """Attach SafePort's commands to `flask`."""

    @app.cli.command("deploy")
    @click.argument("directory", required=False)
    def deploy_command(directory: str | None) -> None:
        """Deploy every diagram in DIRECTORY (default: bpmn/)."""
        from app.services.repository.deployments import deploy_directory

        try:
            results = deploy_directory(directory or current_app.config["BPMN_DIR"])
        except ServiceError as err:
            click.echo(f"Deployment refused: {err.message}", err=True)
            for problem in err.details:
                click.echo(f"  - {problem}", err=True)
            raise SystemExit(1) from None
        for result in results:
            v = result.version
            state = "new version" if result.created else "unchanged"
            click.echo(f"{v.process_model.process_id} v{v.version} ({state})")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True)
    @click.option("--password", prompt=True, hide_input=True)
    @click.option("--email")
    @click.option("--company-id", type=int)
    def create_user_command(username, role, password, email, company_id) -> None:
        """Create a user (no admin needed: this is for setting up the first admin)."""
        from app.services.identity.users import create_user

        try:
            create_user(None, username=username, password=password, role=role, email=email,
                        company_id=company_id)
        except ServiceError as err:
            raise click.ClickException(f"{err.message}: {err.details}") from None
        click.echo(f"created {role} {username}")

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Create the demo users and companies (only when SAFEPORT_DEMO=1)."""
        from app.services.demo import seed_demo

        if not current_app.config["SAFEPORT_DEMO"]:
            raise click.ClickException("demo data is only seeded with SAFEPORT_DEMO=1")
        for line in seed_demo():
            click.echo(line)

    timers = app.cli.commands.get("timers") or click.Group("timers", help="BPMN timers.")
    app.cli.add_command(timers)

    @timers.command("fire")
    def fire_timers_command() -> None:
        """Fire every timer that is due now."""
        from app.services.runtime.timers import fire_due_timers

        click.echo(f"fired {fire_due_timers()} timer(s)")

    register_scheduler_cli(app)
    register_catalogue_cli(app)


def register_scheduler_cli(app: Flask) -> None:
    """`flask scheduler run|status|requeue-mail`: the scheduler process and its state."""
    scheduler = click.Group("scheduler", help="Timers, reminders and the email outbox.")
    app.cli.add_command(scheduler)

    @scheduler.command("run")
    @click.option("--once", is_flag=True,
                  help="Catch up on everything due now, then exit (for cron and tests).")
    def scheduler_run_command(once: bool) -> None:
        """Run the scheduler in the foreground until stopped (SIGTERM or Ctrl-C)."""
        import logging

        from app.services.jobs.scheduler import SchedulerProcess, catch_up

        app_object = current_app._get_current_object()
        if once:
            report = catch_up(app_object)
            click.echo(f"timers fired {report.timers_fired}, reminders {report.reminders_sent}, "
                       f"escalations {report.escalations}, emails sent {report.emails_sent} "
                       f"(retrying {report.emails_retried}, failed {report.emails_failed})")
            for error in report.errors:
                click.echo(f"error: {error}", err=True)
            raise SystemExit(1 if report.errors else 0)
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per tick
        SchedulerProcess(app_object).start()

    @scheduler.command("status")
    def scheduler_status_command() -> None:
        """Show what is due next, what fired recently and what failed."""
        from app.services.jobs.status import status

        for line in _status_lines(status()):
            click.echo(line)

    @scheduler.command("requeue-mail")
    @click.argument("ids", nargs=-1, type=int)
    def requeue_mail_command(ids: tuple[int, ...]) -> None:
        """Put failed emails (all, or the given ids) back in the outbox."""
        from app.services.jobs.mail import requeue_failed

        click.echo(f"requeued {requeue_failed(list(ids) or None)} email(s)")


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment is not None else "-"


def _detail(details: dict) -> str:
    return str(details.get("element") or details.get("lead") or details.get("message") or "")


def _status_lines(info: dict) -> list[str]:
    timers, outbox, rem = info["timers"], info["outbox"], info["reminders"]
    nxt = timers["next"]
    lines = [
        f"now: {_when(info['now'])}",
        f"timers: {timers['waiting']} waiting, {timers['overdue']} overdue; next: "
        + (f"case {nxt['case_id']} at {_when(nxt['at'])}" if nxt else "none"),
        f"reminders: {rem['due_now']} due now; next at {_when(rem['next_at'])}",
        f"outbox: {outbox['pending']} pending, {outbox['sent']} sent, {outbox['failed']} failed;"
        f" next attempt {_when(outbox['next_attempt_at'])}",
        "schedulers:" if info["schedulers"] else "schedulers: none has run yet",
    ]
    for beat in info["schedulers"]:
        totals = ", ".join(f"{k} {v}" for k, v in beat["totals"].items() if v)
        lines.append(f"  {beat['name']}: last run {_when(beat['last_run_at'])}, next wake "
                     f"{_when(beat['next_wake_at'])}; {totals or 'nothing done yet'}")
        if beat["last_error"]:
            lines.append(f"    last error: {beat['last_error']}")
    lines.append("recently fired:" if info["recent"] else "recently fired: nothing")
    for event in info["recent"]:
        lines.append(f"  {_when(event['at'])} {event['kind']} case {event['case_id']} "
                     f"{_detail(event['details'])}")
    if info["email_problems"]:
        lines.append("email problems:")
        for email in info["email_problems"]:
            lines.append(f"  #{email['id']} to {email['to']} ({email['status']}, "
                         f"{email['attempts']} attempts): {email['error']}")
    return lines


def register_catalogue_cli(app: Flask) -> None:
    """`flask catalogue import FILE`: replace the criteria catalogue (issue 3)."""
    catalogue_group = click.Group("catalogue", help="The Minimum Security Criteria catalogue.")
    app.cli.add_command(catalogue_group)

    @catalogue_group.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def catalogue_import_command(path: str) -> None:
        """Replace the catalogue with a CSV or JSON file; nothing changes if any row is bad."""
        from app.services.membership.catalogue import CatalogueError, import_catalogue, read_rows

        try:
            rows = read_rows(path)
            with click.progressbar(length=len(rows), label="checking rows") as bar:
                counts = import_catalogue(None, rows, progress=bar.update)
        except CatalogueError as err:
            click.echo(f"Catalogue refused, nothing changed: {err}", err=True)
            for problem in err.problems:
                click.echo(f"  - {problem}", err=True)
            raise SystemExit(1) from None
        for entity_type, count in sorted(counts.items()):
            click.echo(f"{entity_type}: {count} criteria")

    @catalogue_group.command("build-sample")
    @click.option("--check", is_flag=True, help="Only say whether the sample file is up to date.")
    def catalogue_build_sample_command(check: bool) -> None:
        """Rebuild sample_catalogue.csv from entity_criteria.json and criteria_wording.csv."""
        import tempfile
        from pathlib import Path

        from app.services.membership.catalogue import SAMPLE_CATALOGUE
        from app.services.membership.catalogue_sources import write_sample

        if not check:
            click.echo(f"{write_sample(SAMPLE_CATALOGUE)} rows written to {SAMPLE_CATALOGUE}")
            return
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "sample.csv"
            write_sample(fresh)
            if fresh.read_bytes() != SAMPLE_CATALOGUE.read_bytes():
                click.echo(f"{SAMPLE_CATALOGUE} is out of date: run flask catalogue build-sample",
                           err=True)
                raise SystemExit(1)
        click.echo(f"{SAMPLE_CATALOGUE} is up to date")
