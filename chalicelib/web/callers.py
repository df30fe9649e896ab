"""Who is calling: the principal an Authorization header names (a token or an API key), and the client's
pseudonym (never its IP)."""

from chalice.app import Request

from chalicelib import wiring
from chalicelib.desk.feedback import client_id
from chalicelib.people.access import Principal


def client_of(request: Request) -> str:
    """The caller's pseudonym, for the query log and the per-client limits: the same for the API and the pages."""
    identity = (request.context or {}).get("identity") or {}
    return client_id(identity.get("sourceIp") or "unknown", wiring.settings().client_salt)


def caller_of(request: Request) -> Principal:
    return wiring.identities().principal(request.headers.get("authorization"), client_of(request))
