"""A small OpenID Connect provider for this machine: what `kb serve` (and so `make run` and the browser tests)
signs people in with, so the pages' real sign-in runs locally. Built on Authlib and Flask; never deployed.

It speaks the part of OIDC the pages use: discovery, the authorization code flow with PKCE (a public client,
no secret), RS256 ID tokens and JWT access tokens (RFC 9068) carrying `name` and `groups`, rotating refresh
tokens, and sign-out (the end-session endpoint), which ends the provider's session and the refresh tokens it
issued, so the pages' session ends with it. Demo users, one per role, get a fresh password each run.
"""

import html
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, Response, jsonify, redirect, request, session
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "zhida-local"
SCOPES = "openid profile groups"
ACCESS_TOKEN_SECONDS = 3600
CODE_SECONDS = 60
# (user name, display name, group): kb serve maps each group to a role and department (DEMO_MAPPING there).
DEMO_PEOPLE = [
    ("demo-agent", "演示话务员", "zhida-agents"),
    ("demo-editor", "演示编辑", "zhida-editors-heating"),
    ("demo-reviewer", "演示审核员", "zhida-reviewers-heating"),
    ("demo-admin", "演示管理员", "zhida-admins"),
    ("demo-admin2", "演示管理员乙", "zhida-admins"),  # directory changes citizens see need a second admin
    ("demo-visitor", "演示访客", "zhida-visitors"),  # in no mapped group: what a person without a role sees
]


@dataclass
class Person:
    username: str
    name: str
    groups: list[str]
    password: str = field(default_factory=lambda: secrets.token_urlsafe(9))

    def get_user_id(self) -> str:
        return self.username


@dataclass
class Client(ClientMixin):
    """The pages: a public client (no secret) that must use PKCE."""

    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in SCOPES.split())

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    redirect_uri: str
    scope: str
    person: Person
    sid: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass
class RefreshToken(TokenMixin):
    token: str
    scope: str
    person: Person
    sid: str
    revoked: bool = False

    def check_client(self, client: ClientMixin) -> bool:
        return client.get_client_id() == CLIENT_ID

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 0

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return self.revoked


class LocalProvider:
    """The provider's state: its signing key, the demo people, live sessions, codes and refresh tokens."""

    def __init__(self, issuer: str, page_origins: list[str], page_paths: tuple[str, ...] = ("/agent", "/editor")):
        self.issuer = issuer
        self.origins = page_origins
        self.client = Client([origin + path for origin in page_origins for path in page_paths])
        self.key = RSAKey.generate_key(2048, auto_kid=True)
        self.people = {username: Person(username, name, [group]) for username, name, group in DEMO_PEOPLE}
        self.sessions: dict[str, Person] = {}  # sid -> who signed in
        self.codes: dict[str, Code] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.lock = threading.Lock()

    def end_session(self, sid: str) -> None:
        with self.lock:
            self.sessions.pop(sid, None)
            for token in self.refresh_tokens.values():
                if token.sid == sid:
                    token.revoked = True


def provider_app(provider: LocalProvider) -> Flask:
    app = Flask("zhida-local-provider")
    app.secret_key = secrets.token_bytes(32)
    app.config.update(SESSION_COOKIE_NAME="zhida_local_idp", SESSION_COOKIE_SAMESITE="Lax")
    keys = KeySet([provider.key])

    class AccessTokens(JWTBearerTokenGenerator):
        def get_jwks(self) -> KeySet:
            return keys

        def get_audiences(self, client: ClientMixin, user: Person, scope: str) -> str:
            return CLIENT_ID

        def get_extra_claims(self, client: ClientMixin, grant_type: str, user: Person, scope: str) -> dict[str, Any]:
            return {"name": user.name, "preferred_username": user.username, "groups": user.groups}

    class IdTokens(OpenIDCode):
        def resolve_client_private_key(self, client: ClientMixin) -> KeySet:
            return keys

        def get_client_claims(self, client: ClientMixin) -> dict[str, Any]:
            return {"iss": provider.issuer, "aud": [CLIENT_ID], "exp": int(time.time()) + ACCESS_TOKEN_SECONDS}

        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return any(code.nonce == nonce for code in provider.codes.values())

        def generate_user_info(self, user: Person, scope: str) -> UserInfo:
            return UserInfo(sub=user.username, name=user.name, preferred_username=user.username, groups=user.groups)

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

        def save_authorization_code(self, code: str, request: Any) -> None:
            payload = request.payload.data
            provider.codes[code] = Code(
                code,
                request.payload.redirect_uri,
                request.payload.scope,
                request.user,
                session["sid"],
                payload.get("nonce"),
                payload.get("code_challenge"),
                payload.get("code_challenge_method"),
            )

        def query_authorization_code(self, code: str, client: ClientMixin) -> Code | None:
            found = provider.codes.get(code)
            return found if found and time.time() - found.auth_time < CODE_SECONDS else None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> Person | None:
            return authorization_code.person if authorization_code.sid in provider.sessions else None

    class RefreshGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none"]
        INCLUDE_NEW_REFRESH_TOKEN = True  # each refresh token is used once

        def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
            found = provider.refresh_tokens.get(refresh_token)
            return found if found and not found.revoked and found.sid in provider.sessions else None

        def authenticate_user(self, refresh_token: RefreshToken) -> Person:
            return refresh_token.person

        def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
            refresh_token.revoked = True

    def save_token(token: dict[str, Any], request: Any) -> None:
        if "refresh_token" not in token:
            return
        earlier = request.authorization_code or request.refresh_token
        provider.refresh_tokens[token["refresh_token"]] = RefreshToken(
            token["refresh_token"], token.get("scope", SCOPES), request.user, earlier.sid
        )

    def query_client(client_id: str) -> Client | None:
        return provider.client if client_id == CLIENT_ID else None

    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_token_generator(
        "default",
        AccessTokens(
            provider.issuer,
            refresh_token_generator=lambda *args, **kwargs: secrets.token_urlsafe(32),
            expires_generator=lambda client, grant_type: ACCESS_TOKEN_SECONDS,
        ),
    )
    server.register_grant(CodeGrant, [CodeChallenge(required=True), IdTokens(require_nonce=True)])
    server.register_grant(RefreshGrant)

    @app.after_request
    def pages_may_read(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if origin in provider.origins and request.path != "/authorize":
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        return jsonify(
            issuer=provider.issuer,
            authorization_endpoint=provider.issuer + "/authorize",
            token_endpoint=provider.issuer + "/token",
            jwks_uri=provider.issuer + "/jwks",
            end_session_endpoint=provider.issuer + "/logout",
            response_types_supported=["code"],
            grant_types_supported=["authorization_code", "refresh_token"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["none"],
            scopes_supported=SCOPES.split(),
            claims_supported=["sub", "name", "preferred_username", "groups"],
        )

    @app.get("/favicon.ico")
    def no_icon() -> tuple[str, int]:
        return "", 204

    @app.get("/jwks")
    def jwks() -> Response:
        return jsonify(keys.as_dict(private=False))

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize() -> Any:
        signed_in = provider.sessions.get(session.get("sid", ""))
        if request.method == "POST":
            person = provider.people.get(request.form.get("username", "").strip())
            if person is None or not secrets.compare_digest(person.password, request.form.get("password", "")):
                return _login_page("用户名或密码不对。"), 401
            session["sid"] = secrets.token_urlsafe(16)
            with provider.lock:
                provider.sessions[session["sid"]] = signed_in = person
        try:
            grant = server.get_consent_grant(end_user=signed_in)
        except OAuth2Error as error:  # no such client or redirect address: say so here, redirect nowhere
            return _page("无法登录", f"<p>{html.escape(error.description or error.error)}</p>"), 400
        if signed_in is None:
            return _login_page()
        return server.create_authorization_response(grant=grant, grant_user=signed_in)

    @app.post("/token")
    def token() -> Any:
        return server.create_token_response()

    @app.get("/logout")
    def logout() -> Any:
        provider.end_session(session.pop("sid", ""))
        back = request.args.get("post_logout_redirect_uri", "")
        if back in provider.client.redirect_uris:
            return redirect(back)
        return _page("已退出", "<p>您已退出登录。</p>")

    return app


def _login_page(problem: str = "") -> str:
    error = f'<p role="alert">{html.escape(problem)}</p>' if problem else ""
    body = (
        f'{error}<form method="post" action="?{html.escape(urlencode(request.args))}">'
        "<label>用户名 <input name=username autocomplete=username required autofocus></label>"
        "<label>密码 <input name=password type=password autocomplete=current-password required></label>"
        "<button type=submit>登录</button></form><p>本机演示用的身份提供方；用户名和密码见 make run 的输出。</p>"
    )
    return _page("登录", body)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    )


@contextmanager
def running_provider(host: str, port: int, page_origins: list[str]) -> Iterator[LocalProvider]:
    """The provider served on host:port in a thread (port 0: any free one) for as long as the block runs."""
    server = make_server(host, port, None, threaded=True)  # type: ignore[arg-type]
    issuer = f"http://{host}:{server.server_port}"
    provider = LocalProvider(issuer, page_origins)
    server.app = provider_app(provider)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    try:
        yield provider
    finally:
        server.shutdown()
        worker.join()
