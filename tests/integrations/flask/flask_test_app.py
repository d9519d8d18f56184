"""A Flask app with one route per way of failing; built with or without errorwire."""

from __future__ import annotations

import io
import time
from typing import Any, Iterator, List, Optional

import flask
import flask_login

import errorwire
from errorwire.integrations.flask import Errorwire
from tests.concurrent_checkouts import tag_request_number
from tests.integrations.app_errors import OutOfStock as OutOfStock  # the tests catch it here
from tests.integrations.app_errors import reserve_item

raised: List[BaseException] = []


class User(flask_login.UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id
        self.username = f"user-{user_id}"
        self.email = f"{user_id}@example.com"


def _explode() -> str:
    raise LookupError("template helper failed")


def make_app(with_errorwire: bool = True, **config: Any) -> flask.Flask:
    app = flask.Flask("flask_test_app")
    app.config.update(SECRET_KEY="test", **config)
    login = flask_login.LoginManager(app)

    @login.request_loader
    def load_user(request: flask.Request) -> Optional[User]:
        user_id = request.headers.get("X-User")
        return User(user_id) if user_id else None

    @app.route("/ok")
    def ok() -> str:
        return "fine"

    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> str:
        reserve_item(item_id, raised)
        return "unreachable"

    @app.route("/template")
    def template() -> str:
        return flask.render_template_string("<p>{{ explode() }}</p>", explode=_explode)

    @app.route("/stream")
    def stream() -> flask.Response:
        def body() -> Iterator[str]:
            yield "part one\n"
            error = RuntimeError("stream broke")
            raised.append(error)
            raise error

        return flask.Response(body(), mimetype="text/plain")

    @app.route("/stream-with-context")
    def stream_with_context() -> flask.Response:
        @flask.stream_with_context
        def body() -> Iterator[str]:
            yield f"hello {flask.request.args['name']}\n"
            errorwire.set_person(id=flask.request.args["name"])  # while the body streams
            raise RuntimeError(f"stream of {flask.request.args['name']} broke")

        return flask.Response(body(), mimetype="text/plain")

    @app.route("/file")
    def file() -> flask.Response:
        return flask.send_file(io.BytesIO(b"file body"), mimetype="text/plain")

    @app.route("/form", methods=["POST"])
    def form() -> str:
        raise ValueError(f"bad order for {flask.request.form['item']}")

    @app.route("/json", methods=["POST"])
    def json_body() -> str:
        payload = flask.request.get_json()
        raise ValueError(f"bad json with {sorted(payload)}")

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        names = [f.filename for f in flask.request.files.values()]
        raise ValueError(f"cannot store {names}")

    @app.route("/unread", methods=["POST"])
    def unread() -> str:
        raise ValueError("body never read")

    @app.route("/missing")
    def missing() -> str:
        flask.abort(404)

    @app.route("/handled")
    def handled() -> str:
        raise KeyError("handled by the app")

    @app.errorhandler(KeyError)
    def on_key_error(error: KeyError) -> Any:
        return "handled it", 409

    @app.route("/me")
    def me() -> str:
        user = flask_login.current_user
        tag_request_number(flask.request.args.get("n"))
        time.sleep(0.005)  # let the other requests interleave
        raise RuntimeError(f"failure of {user.get_id()} at {flask.request.args.get('n')}")

    @app.route("/after")
    def after() -> str:
        flask.g.fail_after = True
        return "view worked"

    @app.after_request
    def maybe_fail(response: flask.Response) -> flask.Response:
        if flask.g.get("fail_after"):
            raise OSError("after_request hook failed")
        return response

    @app.route("/teardown")
    def teardown() -> str:
        flask.g.fail_teardown = True
        return "view worked"

    @app.teardown_request
    def maybe_fail_teardown(error: Optional[BaseException]) -> None:
        if flask.g.get("fail_teardown"):
            failure = ConnectionResetError("teardown could not release the connection")
            raised.append(failure)
            raise failure

    if with_errorwire:
        Errorwire(app)
    return app
