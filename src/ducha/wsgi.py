"""WSGI entry point for an outside WSGI server (``gunicorn ducha.wsgi``); ``ducha serve`` builds the same app itself."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
application = get_wsgi_application()
