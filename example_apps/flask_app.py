"""A Flask app with errorwire: one route per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... flask --app example_apps/flask_app.py run     # or
    python example_apps/flask_app.py                                      # 127.0.0.1:5000

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox), or from ``app.config["ERRORWIRE"]``. Try /, /view-error,
/nested, /template, /stream, /background, /items/7 (send ``X-User: alice`` to be
logged in) and ``POST /checkout`` with a JSON body.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any, Iterator, List, Optional, Tuple

import flask

import errorwire
from errorwire.integrations.flask import Errorwire

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error", None),
    ("GET", "/nested", None),
    ("GET", "/template", None),
    ("GET", "/stream", None),
    ("GET", "/background", None),
    ("GET", "/items/7?expand=price", None),
    ("POST", "/checkout", {"cart": [1, 2], "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""

app = flask.Flask(__name__)
app.config["SECRET_KEY"] = "example only"

try:  # flask-login is optional: with it, the logged-in user is the report's person
    import flask_login
except ImportError:  # pragma: no cover
    flask_login = None
else:

    class User(flask_login.UserMixin):
        def __init__(self, name: str) -> None:
            self.id = name
            self.username = name
            self.email = f"{name}@example.com"

    login_manager = flask_login.LoginManager(app)

    @login_manager.request_loader
    def user_from_header(request: flask.Request) -> Optional[User]:
        name = request.headers.get("X-User")  # a real app reads its session or token
        return User(name) if name else None


class PaymentDeclined(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def charge(number: str) -> str:
    """A helper two calls deep: the report's stack shows the whole way."""
    return find_card(number)


@app.route("/")
def home() -> str:
    return "all good"


@app.route("/view-error")
def view_error() -> str:
    try:
        charge("4242")
    except KeyError as exc:
        raise PaymentDeclined("card 4242 declined") from exc
    return "paid"


@app.route("/nested")
def nested() -> str:
    return charge("4242")


@app.route("/template")
def template() -> str:
    return flask.render_template_string(
        "<h1>Invoice</h1><p>{{ total // count }} each</p>", total=12, count=0
    )


@app.route("/stream")
def stream() -> flask.Response:
    def rows() -> Iterator[str]:
        yield "id,amount\n1,10\n"
        raise PaymentDeclined("the export stopped after one row")

    return flask.Response(rows(), mimetype="text/csv")


def email_receipt(order: str) -> None:
    """Work outside the request: Flask has no hook there, so report it by hand."""
    try:
        raise ConnectionError(f"mail server refused the receipt of {order}")
    except ConnectionError:
        errorwire.capture_exception()


@app.route("/background")
def background() -> str:
    # Run it in a copy of the request's context: its report then carries the request.
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(email_receipt, "A-1")).start()
    return "order placed"


@app.route("/items/<int:item_id>")
def item(item_id: int) -> str:
    raise LookupError(f"item {item_id} is out of stock")


@app.route("/checkout", methods=["POST"])
def checkout() -> str:
    body = flask.request.get_json()
    return str(sum(body["cart"]) + body["coupon"])  # TypeError: int + str


Errorwire(app)

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
