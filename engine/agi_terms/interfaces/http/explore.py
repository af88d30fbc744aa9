"""``agi-terms explore [FILE]``: the service with the explorer page (SPEC §15) on a free local port.

The service runs with a store in a temporary folder (removed when the command ends), bound to
127.0.0.1 on a port the system picks. The command prints the page's URL (with FILE's scenario in
the deep link) and opens a browser when one is available; without one it only prints. The page
itself is the explorer door's, handed to the app by the command group as a mount (as ``serve``).
"""

from __future__ import annotations

import base64
import contextlib
import tempfile
import webbrowser
from pathlib import Path

import click

from agi_terms.documents import InputLimits, read_text
from agi_terms.errors import AgiTermsError, InputError
from agi_terms.interfaces.console import fail


def deep_link(url: str, text: str | None) -> str:
    """The page's URL, opening the scenario ``text`` when given (``/#scenario=<base64url>``)."""
    if text is None:
        return url + "/"
    encoded = base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")
    return f"{url}/#scenario={encoded}"


def _open_browser(url: str) -> None:
    # No browser, or one that fails to start: the printed URL serves.
    with contextlib.suppress(Exception):
        webbrowser.open(url)


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--no-browser", is_flag=True, help="Only print the URL; do not open a browser.")
@click.pass_obj
def explore(limits: InputLimits | None, file: str | None, no_browser: bool) -> None:
    """Open the explorer: a web page to edit a scenario (FILE, if given), see its terms over
    time, ask why, compare versions and run Monte Carlo. Stops with Ctrl-C."""
    try:
        import uvicorn

        from agi_terms.interfaces.http.access_log import listen, url_of
        from agi_terms.interfaces.http.command import MOUNTS_KEY
        from agi_terms.interfaces.http.service import create_app
    except ImportError:
        fail(InputError("the explorer needs the service extra: pip install 'agi-terms[service]'"))
        return
    text = None
    if file is not None:
        try:
            text = read_text(file, limits or InputLimits())
        except AgiTermsError as exc:
            fail(exc, file)
            return
    with tempfile.TemporaryDirectory(prefix="agi-terms-explore-") as folder:
        mounts = click.get_current_context().meta.get(MOUNTS_KEY, ())
        app = create_app(Path(folder) / "explore.db", mounts=mounts)
        try:
            sock = listen("127.0.0.1", 0)
        except AgiTermsError as exc:
            app.state.store.close()
            fail(exc)
            return
        url = deep_link(url_of(sock), text)
        click.echo(f"agi-terms explore: {url}")
        if not no_browser:
            _open_browser(url)
        config = uvicorn.Config(app, log_level="warning", ws="none", lifespan="on")
        uvicorn.Server(config).run(sockets=[sock])
