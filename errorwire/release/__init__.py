"""Release health: deploy notices (deploy.py), Bugsnag sessions (sessions.py) and the
configuration check (check.py), each talking to the vendors' own release APIs."""
