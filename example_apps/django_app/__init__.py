"""A minimal Django project with errorwire (see manage.py)."""
