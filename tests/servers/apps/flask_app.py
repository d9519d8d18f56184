"""Flask, for gunicorn (sync, gthread, preload) and uWSGI."""

from __future__ import annotations

import os
import threading

from flask import Flask, Response, request

from errorwire.integrations.flask import Errorwire

from .common import failure, init

init()
app = Flask(__name__)
Errorwire(app)


@app.get("/pid")
def pid() -> str:
    return str(os.getpid())


@app.after_request
def linger(response: Response) -> Response:
    """``?linger=S``: the worker stays in the request S seconds after the client has the whole
    response (as when closing the response waits for the GIL errorwire's thread holds)."""
    seconds = float(request.args.get("linger", "0"))
    if seconds:
        response.call_on_close(lambda: threading.Event().wait(seconds))
    return response


@app.get("/fail")
def fail() -> str:
    raise failure(request.args["token"])
