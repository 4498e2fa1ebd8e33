"""Superset's settings for AI Outcomes' dashboards: metadata in SQLite under the data directory, the dashboards
readable without a login (they show only the published, aggregate-only marts), nothing fetched from outside."""

import os

_home = os.environ["SUPERSET_HOME"]
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_home}/superset.db"
# anonymous visitors see what the Gamma role sees, plus read access to the published database (outcomes/bi.py)
AUTH_ROLE_PUBLIC = "Public"
PUBLIC_ROLE_LIKE = "Gamma"
FEATURE_FLAGS = {"DASHBOARD_RBAC": False, "ENABLE_TEMPLATE_PROCESSING": False}
TALISMAN_ENABLED = False
WTF_CSRF_ENABLED = True
# no telemetry, no map tiles, no gravatar: the machine reaches 127.0.0.1 only
SCARF_ANALYTICS = False
MAPBOX_API_KEY = ""
ENABLE_PROXY_FIX = False
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = CACHE_CONFIG
PREVENT_UNSAFE_DB_CONNECTIONS = False
SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 50000
# the workflow cards (Handlebars charts) keep their classes and data-workflow / data-field attributes, which a
# test or a scraper reads; scripts and event handlers are still stripped
HTML_SANITIZATION_SCHEMA_EXTENSIONS = {
    "attributes": {"*": ["className", "style", "dataWorkflow", "dataField"]},
    "tagNames": ["style"],
}
