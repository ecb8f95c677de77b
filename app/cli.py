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
        from app.services.deployments import deploy_directory

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
        from app.services.users import create_user

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
        from app.services.timers import fire_due_timers

        click.echo(f"fired {fire_due_timers()} timer(s)")
