"""``errorwire`` (and ``python -m errorwire``): ``deploy`` and ``check``.

Exit status: 0 when every configured vendor accepted (or was skipped, saying why),
1 when one refused or could not be reached, 2 for a usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from errorwire.core.config import ConfigError, Options
from errorwire.release import deploy as deploys
from errorwire.release.config_source import load_options


def _config_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("where the configuration comes from (default: environment)")
    source.add_argument(
        "--config",
        metavar="MODULE:CALLABLE",
        help="returns init()'s keyword arguments, an Options, or calls init()",
    )
    source.add_argument(
        "--django-settings",
        metavar="MODULE",
        help="a Django settings module (its ERRORWIRE setting)",
    )
    source.add_argument(
        "--flask-app",
        metavar="MODULE[:FACTORY]",
        help="a Flask app or factory (its config['ERRORWIRE'])",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="errorwire", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    deploy = commands.add_parser("deploy", help="tell every configured vendor about a deploy")
    deploy.add_argument("--revision", help="default: the detected code_version")
    deploy.add_argument("--environment", help="default: the configured environment")
    deploy.add_argument("--status", default="succeeded", choices=deploys.STATUSES)
    deploy.add_argument("--user", help="who deployed (default: the local user)")
    deploy.add_argument("--comment")
    deploy.add_argument("--repository", help="the repository URL (Bugsnag sourceControl)")
    deploy.add_argument("--rollbar-username")
    deploy.add_argument(
        "--rollbar-deploy-id", help="update this started Rollbar deploy instead of creating one"
    )
    _config_arguments(deploy)
    check = commands.add_parser("check", help="show the configuration, send a test report")
    check.add_argument("--dry-run", action="store_true", help="print the payloads, send nothing")
    _config_arguments(check)
    return parser


def _options(args: argparse.Namespace) -> Options:
    return load_options(args.config, args.django_settings, args.flask_app)


def run_deploy(args: argparse.Namespace) -> int:
    results = deploys.notify_deploy(
        args.revision,
        args.environment,
        status=args.status,
        user=args.user,
        comment=args.comment,
        repository=args.repository,
        rollbar_username=args.rollbar_username,
        rollbar_deploy_id=args.rollbar_deploy_id,
        options=_options(args),
    )
    for vendor, result in results.items():
        print(deploys.summary_line(vendor, result))
    return 1 if deploys.failed(results) else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "deploy":
            return run_deploy(args)
        from errorwire.release.check import run_check

        return run_check(_options(args), dry_run=args.dry_run)
    except ConfigError as exc:
        print(f"errorwire {args.command}: {exc}", file=sys.stderr)
        return 2
    finally:
        from errorwire.api import get_client

        client = get_client()
        if client is not None:  # the app's own init() (a factory): deliver, then stop
            client.close()
