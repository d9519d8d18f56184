"""Run the example Django project:

    ROLLBAR_ACCESS_TOKEN=... python example_apps/django_app/manage.py runserver 127.0.0.1:8000

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox) or from ``ERRORWIRE`` in settings.py. Try /, /view-error/,
/nested/, /template/, /stream/, /background/, /items/7/ and ``POST /checkout/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # makes django_app importable
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_app.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
