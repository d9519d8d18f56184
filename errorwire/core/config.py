"""Options and vendor settings, read from arguments, the environment or framework settings.

Everything is validated here, at ``init``: a bad value raises ``ConfigError``
naming the setting, so nothing fails later on the request path.
"""

from __future__ import annotations

import math
import os
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
)
from urllib.parse import urlsplit

DEFAULT_MAX_BYTES = 128 * 1024
DEFAULT_SPOOL_MAX_BYTES = 50 * 1024 * 1024
MIN_SPOOL_MAX_BYTES = 1024 * 1024

PayloadHook = Callable[[Dict[str, Any]], Optional[Dict[str, Any]]]


class ConfigError(ValueError):
    """A setting given to ``errorwire.init`` (or read from the environment) is not usable."""


def _is_http_url(value: str) -> bool:
    """An http(s) URL with a host, and a port above 0 when it names one."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # a port that is not a number
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port != 0


def _check_endpoint(setting: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{setting} must be an http(s) URL, got {value!r}")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ConfigError(
            f"{setting} must be a URL without spaces or control characters, got {value!r}"
        )
    if not _is_http_url(value):
        raise ConfigError(f"{setting} must be an http(s) URL, got {value!r}")
    return value


def _check_optional_endpoint(setting: str, value: object) -> None:
    if value is not None:
        _check_endpoint(setting, value)


def _check_key(setting: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{setting} must be a non-empty string, got {value!r}")
    return value


def _check_positive(setting: str, value: object, *, allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):  # type: ignore[operator]
        raise ConfigError(f"{setting} must be a positive number, got {value!r}")


def _check_names(setting: str, value: object, *, allow_none: bool = False) -> None:
    """A list of strings; a bare string would be read letter by letter, so it is refused."""
    if value is None and allow_none:
        return
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
        raise ConfigError(f"{setting} must be a list of strings, got {value!r}")
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"{setting} entries must be strings, got {item!r}")


@dataclass(init=False)
class VendorSettings:
    """What every vendor shares: where to send, how big a payload may be, a last hook.

    ``errorwire.Rollbar("token", endpoint=...)``: the key is the one positional
    argument, every other setting is given by name (a vendor class adds fields only).
    """

    name: ClassVar[str] = ""
    key_setting: ClassVar[str] = ""

    endpoint: Optional[str] = None
    max_bytes: int = DEFAULT_MAX_BYTES
    before_send: Optional[PayloadHook] = None
    """Called on the worker with the encoded payload; return None to drop it."""

    def __init__(self, *key: str, **settings: Any) -> None:
        known = [f.name for f in fields(self) if f.init]
        if len(key) > 1:
            raise ConfigError(
                f"{self.name}: only the {self.key_setting} may be given by position; "
                f"give the others by name ({', '.join(known)})"
            )
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ConfigError(
                f"{self.name}: unknown setting {unknown[0]!r} (known: {', '.join(known)})"
            )
        if key:
            if self.key_setting in settings:
                raise ConfigError(f"{self.name}.{self.key_setting} given twice")
            settings[self.key_setting] = key[0]
        for spec in fields(self):
            if spec.name in settings:
                value = settings[spec.name]
            elif spec.default_factory is not MISSING:
                value = spec.default_factory()
            else:
                value = spec.default
            setattr(self, spec.name, value)

    @property
    def key(self) -> str:
        return str(getattr(self, self.key_setting))

    @property
    def url(self) -> str:
        return self.endpoint or _default_endpoint(self.name)

    def validate(self) -> None:
        _check_key(f"{self.name}.{self.key_setting}", getattr(self, self.key_setting))
        if self.endpoint is not None:
            _check_endpoint(f"{self.name}.endpoint", self.endpoint)
        _check_positive(f"{self.name}.max_bytes", self.max_bytes)
        if self.max_bytes < 1024:
            raise ConfigError(f"{self.name}.max_bytes must be at least 1024, got {self.max_bytes}")
        if self.before_send is not None and not callable(self.before_send):
            raise ConfigError(f"{self.name}.before_send must be callable")


@dataclass(init=False)
class Rollbar(VendorSettings):
    name: ClassVar[str] = "rollbar"
    key_setting: ClassVar[str] = "access_token"

    access_token: str = ""
    deploy_endpoint: Optional[str] = None
    """Where ``errorwire deploy`` posts (README.md, "Releases and deploys")."""

    def validate(self) -> None:
        super().validate()
        _check_optional_endpoint("rollbar.deploy_endpoint", self.deploy_endpoint)


@dataclass(init=False)
class Raygun(VendorSettings):
    name: ClassVar[str] = "raygun"
    key_setting: ClassVar[str] = "api_key"

    api_key: str = ""
    personal_access_token: Optional[str] = None
    """For deploys only (Raygun's API, scope deployments:write), not the ingestion key."""
    deploy_endpoint: Optional[str] = None

    def validate(self) -> None:
        super().validate()
        if self.personal_access_token is not None:
            _check_key("raygun.personal_access_token", self.personal_access_token)
        _check_optional_endpoint("raygun.deploy_endpoint", self.deploy_endpoint)


@dataclass(init=False)
class Bugsnag(VendorSettings):
    name: ClassVar[str] = "bugsnag"
    key_setting: ClassVar[str] = "api_key"

    api_key: str = ""
    notify_release_stages: Optional[Sequence[str]] = None
    """Only these environments are sent to Bugsnag; None sends every stage."""
    build_endpoint: Optional[str] = None
    sessions_endpoint: Optional[str] = None
    track_sessions: bool = True
    """Count a session per request and task, sent to the sessions endpoint (README: "Sessions")."""

    def validate(self) -> None:
        super().validate()
        stages = self.notify_release_stages
        _check_names("bugsnag.notify_release_stages", stages, allow_none=True)
        _check_optional_endpoint("bugsnag.build_endpoint", self.build_endpoint)
        _check_optional_endpoint("bugsnag.sessions_endpoint", self.sessions_endpoint)
        if not isinstance(self.track_sessions, bool):
            flag = self.track_sessions
            raise ConfigError(f"bugsnag.track_sessions must be True or False, got {flag!r}")


SETTINGS: Tuple[type[VendorSettings], ...] = (Rollbar, Raygun, Bugsnag)


@cache
def _default_endpoint(name: str) -> str:
    """Looked up once: an import statement in ``url``, read on every attempt to send,
    cost a trip through importlib each time."""
    from errorwire.vendors import VENDORS  # the vendors' modules import this one

    return VENDORS[name].DEFAULT_ENDPOINT


def vendor_env() -> Dict[type[VendorSettings], Tuple[str, str]]:
    """Each vendor's settings class and the environment variables of its key and endpoint."""
    from errorwire.vendors import VENDORS  # the vendors' modules import this one

    return {cls: (VENDORS[cls.name].ENV_KEY, VENDORS[cls.name].ENV_ENDPOINT) for cls in SETTINGS}


RELEASE_ENV: Tuple[Tuple[Type[VendorSettings], str, str], ...] = (
    (Rollbar, "deploy_endpoint", "ROLLBAR_DEPLOY_ENDPOINT"),
    (Bugsnag, "build_endpoint", "BUGSNAG_BUILD_ENDPOINT"),
    (Bugsnag, "sessions_endpoint", "BUGSNAG_SESSIONS_ENDPOINT"),
    (Raygun, "personal_access_token", "RAYGUN_PERSONAL_ACCESS_TOKEN"),
    (Raygun, "deploy_endpoint", "RAYGUN_DEPLOY_ENDPOINT"),
)
"""Release settings an environment variable fills when the vendor is configured."""


def _fill_release_env(options: Options) -> None:
    for cls, setting, variable in RELEASE_ENV:
        settings = getattr(options, cls.name)
        value = os.environ.get(variable) or None
        if isinstance(settings, cls) and getattr(settings, setting) is None and value:
            check = _check_key if setting == "personal_access_token" else _check_endpoint
            setattr(settings, setting, check(variable, value))


EventHook = Callable[[Any, Dict[str, Any]], Any]

POSITIVE_OPTIONS = (
    "queue_size",
    "max_breadcrumbs",
    "storm_limit",
    "circuit_failures",
    "connect_timeout",
    "read_timeout",
    "retry_backoff",
    "retry_backoff_max",
)
POSITIVE_OR_ZERO_OPTIONS = (
    "max_request_body",
    "max_retries",
    "shutdown_timeout",
    "circuit_cooldown",
    "spool_after",
)


@dataclass
class Options:
    """Every option ``errorwire.init`` takes. README.md has the table."""

    environment: Optional[str] = None
    code_version: Optional[str] = None
    rollbar: Optional[Rollbar] = None
    raygun: Optional[Raygun] = None
    bugsnag: Optional[Bugsnag] = None
    before_send: Optional[EventHook] = None
    ignore: Sequence[Union[type, str]] = ()
    default_ignores: bool = True
    """Also ignore HTTP errors below 500, KeyboardInterrupt, SystemExit, disconnects."""
    sample_rate: float = 1.0
    enabled_environments: Optional[Sequence[str]] = None
    project_root: Optional[str] = None
    scrub: bool = True
    scrub_keys: Sequence[str] = ()
    """Extra keys to scrub, added to the defaults and matched like them: whatever the case,
    ``-``/``_`` or ``HTTP_`` prefix, as a whole word of a longer key (``pin`` matches
    ``card-pin``), and inside a glued word when 5 letters or more."""
    unscrub_keys: Sequence[str] = ()
    """Default keys not to scrub (``"session"``); a key spelled like an entry here (after
    the same normalising) is never scrubbed, even when it contains a secret word."""
    scrubber: Optional[Callable[[Any], Any]] = None
    """Called on the event after errorwire's own scrubbing."""
    max_request_body: int = 10 * 1024
    """Bytes of the raw body kept (from what the app reads); 0 keeps none."""
    client_ip_headers: Sequence[str] = ("X-Forwarded-For", "X-Real-IP")
    send_request_bodies: bool = True
    max_breadcrumbs: int = 100
    """Breadcrumbs kept per request (a ring: the oldest go first)."""
    log_breadcrumbs: bool = True
    """Keep log records at INFO and above as breadcrumbs (a handler on the root logger)."""
    excepthooks: bool = True
    """Report what reaches ``sys.excepthook`` / ``threading.excepthook`` (then call the
    hooks that were there before)."""
    storm_limit: int = 60
    """Reports of one grouping key per minute before they are summarized."""
    queue_size: int = 1000
    sync: bool = False
    """Send in the calling thread (scripts, tests)."""
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_retries: int = 5
    """Retries of one report after a 5xx or a connection error, before it is dropped."""
    retry_backoff: float = 1.0
    """Seconds before the first retry; doubled after each failure in a row, with jitter."""
    retry_backoff_max: float = 60.0
    """Longest wait between two attempts (a vendor's Retry-After is honoured beyond it)."""
    circuit_failures: int = 5
    """Failures in a row after which a vendor is paused (the others keep sending)."""
    circuit_cooldown: float = 30.0
    """Seconds a paused vendor waits before one report is tried again."""
    shutdown_timeout: float = 2.0
    tags: Sequence[str] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    spool_dir: Optional[str] = None
    """A folder where reports that cannot be delivered are kept for a later process."""
    spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES
    spool_after: float = 0.25
    """With spool_dir: seconds after capture when an undelivered report is written to the
    spool (the most a kill -9 can lose)."""
    include_locals: bool = False
    """Send the arguments and local variables of in-project frames (safe reprs, scrubbed)."""
    sql_breadcrumbs: bool = False
    """Breadcrumbs of SQL queries (statement and duration, never parameters)."""

    vendors: Tuple[VendorSettings, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        if self.environment is None:
            self.environment = os.environ.get("ERRORWIRE_ENVIRONMENT") or "production"
        if self.code_version is None:
            self.code_version = os.environ.get("ERRORWIRE_CODE_VERSION") or None
        _fill_vendor_env(self)
        _fill_release_env(self)
        self.validate()
        self.vendors = tuple(v for v in (self.rollbar, self.raygun, self.bugsnag) if v is not None)

    def validate(self) -> None:
        from errorwire.core.option_checks import check_spool, check_types  # imports this one

        if not isinstance(self.environment, str) or not self.environment:
            raise ConfigError(f"environment must be a non-empty string, got {self.environment!r}")
        check_types(self)
        _check_vendor_settings(self)
        for hook in ("before_send", "scrubber"):
            if getattr(self, hook) is not None and not callable(getattr(self, hook)):
                raise ConfigError(f"{hook} must be callable")
        if not 0.0 <= float(self.sample_rate) <= 1.0:
            raise ConfigError(f"sample_rate must be between 0 and 1, got {self.sample_rate!r}")
        for name in POSITIVE_OPTIONS:
            _check_positive(name, getattr(self, name))
        for name in POSITIVE_OR_ZERO_OPTIONS:
            _check_positive(name, getattr(self, name), allow_zero=True)
        check_spool(self)

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> Options:
        known = {f.name for f in fields(cls) if f.init}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise ConfigError(f"unknown option {unknown[0]!r} (known: {', '.join(sorted(known))})")
        return cls(**dict(kwargs))


def _fill_vendor_env(options: Options) -> None:
    """Per field, an explicit argument wins; the environment fills what is unset."""
    for cls, (key_var, endpoint_var) in vendor_env().items():
        settings = getattr(options, cls.name)
        if settings is None and os.environ.get(key_var):
            settings = cls()
            setattr(settings, cls.key_setting, _check_key(key_var, os.environ[key_var]))
            setattr(options, cls.name, settings)
        env_endpoint = os.environ.get(endpoint_var) or None
        if isinstance(settings, cls) and settings.endpoint is None and env_endpoint:
            settings.endpoint = _check_endpoint(endpoint_var, env_endpoint)


def _check_vendor_settings(options: Options) -> None:
    for cls in SETTINGS:
        value = getattr(options, cls.name)
        if value is None:
            continue
        if not isinstance(value, cls):
            raise ConfigError(
                f"{cls.name} must be errorwire.{cls.__name__}(...), got {type(value).__name__}"
            )
        value.validate()
