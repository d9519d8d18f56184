"""Example payloads written from the vendors' own documents (../shared/seeds), and the
headers each vendor's API expects with them."""

from __future__ import annotations

import copy
from typing import Any, Dict, Tuple

Sample = Tuple[Dict[str, Any], Dict[str, str]]
"""A payload and the headers sent with it."""

ROLLBAR: Dict[str, Any] = {
    "access_token": "aaaabbbbccccddddeeeeffff00001111",
    "data": {
        "environment": "production",
        "body": {
            "trace": {
                "frames": [
                    {
                        "filename": "/Users/brian/www/mox/mox/views/project.py",
                        "lineno": 26,
                        "colno": 8,
                        "method": "index",
                        "code": "_save_last_project(request, project_id, force=True)",
                        "context": {
                            "pre": ["project = request.context", "project_id = 1"],
                            "post": [],
                        },
                    },
                    {
                        "filename": "/Users/brian/www/mox/mox/views/project.py",
                        "lineno": 497,
                        "method": "_save_last_project",
                        "code": "user = foo",
                    },
                ],
                "exception": {"class": "NameError", "message": "global name 'foo' is not defined"},
            }
        },
        "level": "error",
        "timestamp": 1369188822,
        "framework": "pyramid",
        "request": {
            "url": "https://rollbar.com/project/1",
            "method": "GET",
            "headers": {"Accept": "text/html"},
            "GET": {},
            "user_ip": "100.51.43.14",
        },
        "person": {"id": "12345", "username": "brianr", "email": "brian@rollbar.com"},
        "server": {"host": "web4", "root": "/Users/brian/www/mox", "branch": "master"},
        "fingerprint": "50a5ef9dbcf9d0e0af2d4e25338da0d430f20e52",
        "uuid": "d4c7acef55bf4c9ea95e4fe9428a8287",
        "notifier": {"name": "pyrollbar", "version": "0.5.5"},
    },
}

RAYGUN: Dict[str, Any] = {
    "occurredOn": "2015-09-08T01:55:28Z",
    "details": {
        "machineName": "ServerMachine1",
        "groupingKey": "ErrorGroup",
        "version": "1.0.0.0",
        "client": {
            "name": "Example Raygun Client",
            "version": "1.0",
            "clientUrl": "https://raygun.com/docs/integrations/api",
        },
        "error": {
            "className": "ErrorClass",
            "message": "An error occurred",
            "stackTrace": [
                {
                    "lineNumber": 55,
                    "className": "BrokenService",
                    "columnNumber": 23,
                    "fileName": "BrokenService.cs",
                    "methodName": "BreakEverything()",
                }
            ],
        },
        "tags": ["tag1", "env:production"],
        "request": {
            "hostName": "https://raygun.io",
            "url": "/docs/integrations/api",
            "httpMethod": "POST",
            "iPAddress": "127.0.0.1",
            "queryString": {"q": "searchParams"},
            "headers": {"Referer": "www.google.com", "Host": "raygun.io"},
            "rawData": '{"Test": 5}',
        },
        "user": {
            "identifier": "123456789",
            "isAnonymous": False,
            "email": "test@example.com",
            "fullName": "Test User",
        },
    },
}

BUGSNAG: Dict[str, Any] = {
    "apiKey": "c9d60ae4c7e70c4b6c4ebd3e8056d2b8",
    "payloadVersion": "4",
    "notifier": {
        "name": "Bugsnag Ruby",
        "version": "1.0.11",
        "url": "https://github.com/bugsnag/bugsnag-ruby",
    },
    "events": [
        {
            "exceptions": [
                {
                    "errorClass": "NoMethodError",
                    "message": "Unable to connect to database.",
                    "stacktrace": [
                        {
                            "file": "controllers/auth/session_controller.rb",
                            "lineNumber": 1234,
                            "columnNumber": 123,
                            "method": "create",
                            "inProject": True,
                            "code": {"1233": "def create", "1234": "  connect!"},
                        },
                        {"file": "/gems/rack/lib/rack.rb", "lineNumber": 7, "method": "call"},
                    ],
                }
            ],
            "context": "auth/session#create",
            "groupingHash": "buggy_file.rb",
            "severity": "error",
            "user": {"id": "snmaynard", "name": "Simon", "email": "simon@example.com"},
            "app": {"version": "1.1.3", "releaseStage": "production", "type": "rails"},
            "request": {
                "url": "https://example.com/session",
                "httpMethod": "POST",
                "clientIp": "10.0.0.1",
            },
        }
    ],
}

EXAMPLES = {"rollbar": ROLLBAR, "raygun": RAYGUN, "bugsnag": BUGSNAG}
HEADERS = {
    "rollbar": {},
    "raygun": {"X-ApiKey": "raygun-key"},
    "bugsnag": {"Bugsnag-Api-Key": "c9d60ae4c7e70c4b6c4ebd3e8056d2b8"},
}
EXPECTED_CLASS = {"rollbar": "NameError", "raygun": "ErrorClass", "bugsnag": "NoMethodError"}
EXPECTED_URL = {
    "rollbar": "https://rollbar.com/project/1",
    "raygun": "https://raygun.io/docs/integrations/api",
    "bugsnag": "https://example.com/session",
}


def example(vendor: str) -> Sample:
    """A fresh copy of ``vendor``'s documented example payload, and its headers."""
    return copy.deepcopy(EXAMPLES[vendor]), dict(HEADERS[vendor])


def schema_breaking(vendor: str, payload: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    """A copy of ``payload`` that breaks the schema in one documented way, and the
    payload path the inbox must name in its 422 message."""
    payload = copy.deepcopy(payload)
    if vendor == "rollbar":
        # "exactly one" of trace / trace_chain / message / crash_report
        payload["data"]["body"]["message"] = {"body": "and a message"}
        return payload, "data/body"
    if vendor == "raygun":
        # "its stacktrace must have its linenumber set"
        del payload["details"]["error"]["stackTrace"][0]["lineNumber"]
        return payload, "details/error/stackTrace/0"
    payload["events"] = []  # at least one event
    return payload, "events"
