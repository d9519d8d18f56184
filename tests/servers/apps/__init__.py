"""Apps the server tests start under real servers, one module per framework.

Each serves ``/pid`` (the worker's process id, as text) and ``/fail?token=T``, which raises
``ServedError("ticket=T pid=P")``
(not "token": errorwire scrubs that): the report names the request and the process that served it.
errorwire is configured from the environment the test sets (``*_ENDPOINT``, keys), at import:
under ``gunicorn --preload`` that is in the master, before the fork.
"""
