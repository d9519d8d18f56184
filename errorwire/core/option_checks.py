"""The checks of ``Options`` that look at several options at once or at the disk: each
option's type, and the spool's folder and size. A bad value raises ``ConfigError`` naming
the setting (``config.Options.validate`` runs them at ``init``)."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Mapping

from errorwire.core.config import MIN_SPOOL_MAX_BYTES, ConfigError, _check_names

if TYPE_CHECKING:
    from errorwire.core.config import Options


FLAG_OPTIONS = (
    "default_ignores",
    "scrub",
    "send_request_bodies",
    "sync",
    "log_breadcrumbs",
    "include_locals",
    "sql_breadcrumbs",
    "excepthooks",
)
WHOLE_NUMBER_OPTIONS = (
    "queue_size",
    "max_breadcrumbs",
    "storm_limit",
    "max_request_body",
    "max_retries",
    "circuit_failures",
)
NAME_LIST_OPTIONS = ("tags", "scrub_keys", "unscrub_keys", "client_ip_headers")


def check_types(options: Options) -> None:
    """Every option of ``Options`` that is not checked by value has its type checked."""
    _check_flags_and_counts(options)
    rate = options.sample_rate
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0.0 <= rate <= 1.0:
        raise ConfigError(f"sample_rate must be a number between 0 and 1, got {rate!r}")
    _check_code_version(options.code_version)
    root = options.project_root
    if root is not None and (not isinstance(root, str) or not os.path.isdir(root)):
        raise ConfigError(f"project_root must be an existing folder, got {root!r}")
    for name in NAME_LIST_OPTIONS:
        _check_names(name, getattr(options, name))
    _check_names("enabled_environments", options.enabled_environments, allow_none=True)
    _check_ignore(options.ignore)
    if not isinstance(options.extra, Mapping):
        raise ConfigError(f"extra must be a dict, got {options.extra!r}")


def _check_flags_and_counts(options: Options) -> None:
    for name in FLAG_OPTIONS:
        value = getattr(options, name)
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be True or False, got {value!r}")
    for name in WHOLE_NUMBER_OPTIONS:
        value = getattr(options, name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{name} must be a whole number, got {value!r}")


def _check_code_version(version: object) -> None:
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise ConfigError(f"code_version must be a non-empty string, got {version!r}")


def _check_ignore(ignore: object) -> None:
    """A list of exception classes or dotted names (a bare string or class is refused)."""
    if isinstance(ignore, (str, bytes, type)) or not isinstance(
        ignore, (list, tuple, set, frozenset)
    ):
        raise ConfigError(f"ignore must be a list of classes or names, got {ignore!r}")
    for item in ignore:
        if not isinstance(item, (type, str)):
            raise ConfigError(f"ignore entries must be classes or dotted names, got {item!r}")


def check_spool(options: Options) -> None:
    """spool_max_bytes is a size; spool_dir, when set, a folder this process can write to."""
    size = options.spool_max_bytes
    if not isinstance(size, int) or isinstance(size, bool) or size < MIN_SPOOL_MAX_BYTES:
        raise ConfigError(
            f"spool_max_bytes must be a whole number of at least {MIN_SPOOL_MAX_BYTES}, "
            f"got {size!r}"
        )
    folder = options.spool_dir
    if folder is None:
        return
    if not isinstance(folder, (str, os.PathLike)) or not str(folder):
        raise ConfigError(f"spool_dir must be a folder path, got {folder!r}")
    folder = os.path.abspath(os.fspath(folder))
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".errorwire-probe-"):
            pass
    except OSError as exc:
        raise ConfigError(f"spool_dir {folder!r} is not a writable folder: {exc}") from None
    options.spool_dir = folder
