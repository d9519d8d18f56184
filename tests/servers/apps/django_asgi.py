from __future__ import annotations

from django.core.asgi import get_asgi_application

from . import django_site  # noqa: F401  (settings first)

application = get_asgi_application()
