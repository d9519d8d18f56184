from __future__ import annotations

from typing import Any, List, Tuple

from django.urls import path

from django_app import views

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error/", None),
    ("GET", "/nested/", None),
    ("GET", "/template/", None),
    ("GET", "/stream/", None),
    ("GET", "/background/", None),
    ("GET", "/items/7/?expand=price", None),
    ("POST", "/checkout/", {"cart": [1, 2], "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""

urlpatterns = [
    path("", views.home),
    path("view-error/", views.view_error),
    path("nested/", views.nested),
    path("template/", views.template),
    path("stream/", views.stream),
    path("background/", views.background),
    path("items/<int:item_id>/", views.item),
    path("checkout/", views.checkout),
]
