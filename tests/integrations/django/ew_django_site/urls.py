from __future__ import annotations

from django.urls import path, re_path
from ew_django_site import views

urlpatterns = [
    path("ok/", views.ok),
    path("items/<int:item_id>/", views.item),
    path("template/", views.template),
    path("template-in-view/", views.template_in_view),
    path("template-syntax/", views.template_syntax),
    path("stream/", views.stream),
    path("form/", views.form),
    path("json/", views.json_body),
    path("upload/", views.upload),
    path("unread/", views.unread),
    path("sensitive/", views.sensitive),
    path("sensitive-all/", views.sensitive_all),
    path("missing/", views.missing),
    path("unavailable/", views.unavailable),
    path("denied/", views.denied),
    path("bad/", views.bad),
    path("suspicious/", views.suspicious),
    path("me/", views.me),
    path("pageable/", views.pageable),
    path("async/items/<int:item_id>/", views.async_item),
    path("async/stream/", views.async_stream),
    path("async/me/", views.async_me),
    re_path(r"^legacy/(?P<slug>[a-z]+)/$", views.legacy),
]
