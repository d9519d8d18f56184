from __future__ import annotations

from django.core.wsgi import get_wsgi_application

from . import django_site  # noqa: F401  (settings first)

application = get_wsgi_application()
