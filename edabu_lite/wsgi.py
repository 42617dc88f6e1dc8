"""The WSGI entry point for any server: ``waitress-serve --call edabu_lite:create_app``, or
``gunicorn edabu_lite.wsgi:app``, or ``waitress-serve edabu_lite.wsgi:app``."""

from edabu_lite.app import create_app

app = create_app()
