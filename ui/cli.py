"""The `whythis serve` command: the HTTP API, the shopper widget and the staff UIs in one process."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

log = logging.getLogger(__name__)

serve_app = typer.Typer(
    help="Serve the shopper API, the widget and the staff UIs; `serve hash-password` makes a staff login.",
    invoke_without_command=True,
)


def cli_overrides(
    overrides: list[str] | None, host: str | None, port: int | None, mode: str | None
) -> list[str]:
    """The --set items, then the dedicated options (which win), as key=value overrides."""
    out = list(overrides or [])
    out += [f"host={json.dumps(host)}"] if host is not None else []
    out += [f"port={port}"] if port is not None else []
    out += [f"mode={json.dumps(mode)}"] if mode is not None else []
    return out


@serve_app.callback()
def serve(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option("--config", help="Serve config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a config key: key=value.")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on.")] = None,
    dev: Annotated[
        bool | None,
        typer.Option("--dev/--production", help="dev: a random staff password when none is configured."),
    ] = None,
) -> None:
    """Load the agent and serve the API, the widget, /console and /studio."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from ui.app import build_app
    from ui.serve_config import load_serve_config
    from ui.services import load_services
    from ui.staff_ui import build_staff_uis

    mode = None if dev is None else ("dev" if dev else "production")
    cfg = load_serve_config(config, cli_overrides(set_, host, port, mode))
    services = load_services(cfg)
    try:
        app = build_app(services, cfg, build_staff_uis(services))
        log.warning("whythis serving on http://%s:%d (%s mode)", cfg.host, cfg.port, cfg.mode)
        proxied = bool(cfg.forwarded_allow_ips)
        uvicorn.run(
            app,
            host=cfg.host,
            port=cfg.port,
            log_level="warning",
            proxy_headers=proxied,
            forwarded_allow_ips=cfg.forwarded_allow_ips or None,
        )
    finally:
        services.close()


@serve_app.command("hash-password")
def hash_password_command(
    confirm: Annotated[bool, typer.Option(help="Ask for the password twice.")] = True,
) -> None:
    """Read a password without echo and print its scrypt hash for `staff_users` in the serve config."""
    from ui.auth import hash_password

    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    if len(password) < 8:
        raise typer.BadParameter("use at least 8 characters")
    typer.echo(hash_password(password))


@serve_app.command("hash-key")
def hash_key_command() -> None:
    """Make a random API key for server-to-server calls: print the key (give it to the caller) and the
    hash for `api_key_hashes` in the serve config."""
    import secrets

    from ui.auth import key_hash

    key = secrets.token_urlsafe(32)
    typer.echo(f"key:  {key}\nhash: {key_hash(key)}")


store_app = typer.Typer(
    help="The store's database (the serve config's store.url, or its SQLite file).", no_args_is_help=True
)
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Serve config TOML.")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Override a config key: key=value.")]


@store_app.command("status")
def store_status_command(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Print the store's schema version, the one this whythis needs, and its tables."""
    from agent.store.versioning import store_status
    from ui.serve_config import load_serve_config

    cfg = load_serve_config(config, set_)
    state = store_status(cfg.store_url(), cfg.store)
    typer.echo(json.dumps(_state(state), indent=2))


@store_app.command("upgrade")
def store_upgrade_command(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Create or upgrade the store's schema in place (run once before replicas of a new version start)."""
    from agent.store.versioning import upgrade_store
    from ui.serve_config import load_serve_config

    cfg = load_serve_config(config, set_)
    before, after = upgrade_store(cfg.store_url(), cfg.store)
    typer.echo(json.dumps({"before": _state(before), "after": _state(after)}, indent=2))


def _state(state: object) -> dict[str, object]:
    from agent.store.versioning import SchemaState

    assert isinstance(state, SchemaState)
    return {
        "store": state.where,
        "schema": state.current,
        "needed": state.head,
        "status": state.status,
        "tables": list(state.tables),
    }


def register(app: typer.Typer) -> None:
    """Attach the serving and store commands to the root CLI."""
    app.add_typer(serve_app, name="serve")
    app.add_typer(store_app, name="store")
