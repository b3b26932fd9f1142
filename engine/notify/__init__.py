"""Notifications: jinja2 templates rendered in a sandbox (jinja2 lives only here)."""
