"""How people sign in (the identity provider the pages use) and the claim mapping admins keep."""

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.people.access import Action, Principal
from chalicelib.people.identities import SignInOptions
from chalicelib.people.mappings import ClaimMapping, StoredMapping
from chalicelib.web.http_api import JsonApi
from chalicelib.web.operations import IfMatch, Operation

routes = Blueprint(__name__)
api = JsonApi(routes)


@api.route(
    Operation(
        "GET",
        "/api/sign-in",
        "How people sign in: the identity provider's issuer, the pages' client id and scopes (null: API keys only)",
        SignInOptions,
        needs=None,
    )
)
def sign_in_options(caller: Principal):
    return wiring.identities().options()


@api.route(
    Operation(
        "GET",
        "/api/sign-in/mapping",
        "The claim mapping: which provider claims give which role and departments (admins); its revision is the ETag",
        StoredMapping,
        needs=Action.MANAGE,
        etag=True,
    )
)
def mapping(caller: Principal):
    return wiring.identities().mapping()


@api.route(
    Operation(
        "PUT",
        "/api/sign-in/mapping",
        "Replace the claim mapping (admins; If-Match of the revision read); recorded in the audit of changes",
        StoredMapping,
        needs=Action.MANAGE,
        if_match=IfMatch.REQUIRED,
        etag=True,
    )
)
def change_mapping(caller: Principal, body: ClaimMapping, if_match: int | None):
    return wiring.identities().change_mapping(body, if_match, caller)
