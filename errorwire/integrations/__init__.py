"""Thin glue between frameworks and the core. Each module imports only its framework."""
