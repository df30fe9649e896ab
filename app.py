"""The Chalice app: middleware, the route blueprints registered, the schedule. Nothing else lives here."""

import os

from chalice import Chalice

from chalicelib import observability, wiring
from chalicelib.web.http_api import error_body
from chalicelib.web.pages import pages
from chalicelib.web.routes import desk, editing, people, reading, running, signin

app = Chalice(app_name="zhida")
observability.json_logs_for("chalicelib")


@app.middleware("http")
def observe(event, get_response):
    """One JSON log line and one metrics record per request (chalicelib/observability.py)."""
    context = event.context or {}
    return observability.observed(
        lambda: get_response(event), context.get("resourcePath", "unknown"), event.method, context.get("requestId")
    )


@app.middleware("http")
def uniform_errors(event, get_response):
    """Chalice's own errors (wrong method, wrong content type, bad JSON) get the same shape as ours."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = "".join("_" + c.lower() if c.isupper() else c for c in body["Code"]).strip("_").removesuffix("_error")
        response.body = error_body(code, body.get("Message", ""))
    return response


for routes in (reading.routes, desk.routes, people.routes, signin.routes, editing.routes, running.routes):
    app.register_blueprint(routes)
app.register_blueprint(pages)  # the pages go last, after every API route


@app.schedule("rate(1 minute)")
def maintenance(event):
    """Publish what is scheduled, keep the index snapshot fresh, summarise closed days for reports (no caller)."""
    wiring.maintenance()


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):  # on Lambda: the index loads during init, not in a request
    wiring.warm()
