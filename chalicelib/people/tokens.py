"""Tokens from the centre's identity provider (OIDC): checked against the provider's published keys (JWKS),
its issuer, our audience and their expiry, with joserfc. Nothing here is hand-written JOSE.

The provider's keys are fetched from its discovery document once, kept for a while, and fetched again
when a token names a key we do not have (the provider has rotated its keys), at most once a minute.
"""

import json
import logging
import re
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from chalicelib.errors import Unauthorized, Unavailable

log = logging.getLogger(__name__)
# Only asymmetric signatures: a provider's public keys cannot sign, and "none" or HS256 signed with a public
# key (the classic confusion) are refused before any key is looked at.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
KEYS_KEPT_SECONDS = 600
REFETCH_AT_MOST_SECONDS = 60
LEEWAY_SECONDS = 30  # clock skew between the provider and Lambda
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
FetchJson = Callable[[str], dict[str, Any]]  # a URL's JSON; raises OSError (or ValueError) when it cannot


def looks_like_token(credential: str) -> bool:
    """A compact JWS: three base64url parts (an API key starts with zk_ and has none of the dots)."""
    return len(credential) <= 16_384 and _JWT.fullmatch(credential) is not None


class TokenVerifier:
    """The claims of a token the provider signed for us, or 401 saying what is wrong with it."""

    def __init__(
        self,
        issuer: str,
        audiences: list[str],
        fetch_json: FetchJson,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], int] = lambda: int(time.time()),
    ) -> None:
        self.issuer = issuer
        self._audiences = audiences
        self._fetch_json = fetch_json
        self._monotonic = monotonic
        self._now = now
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")

    def claims(self, token: str) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, self._key_set(), algorithms=ALGORITHMS)
        except InvalidKeyIdError:
            if self._monotonic() - self._fetched_at < REFETCH_AT_MOST_SECONDS:
                raise Unauthorized("the token is signed with a key the provider does not publish") from None
            decoded = self._decode_with_fresh_keys(token)
        except (JoseError, ValueError) as problem:
            raise Unauthorized(f"the token cannot be read or its signature is wrong ({_named(problem)})") from None
        registry = jwt.JWTClaimsRegistry(
            now=self._now,
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "values": self._audiences},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(decoded.claims)
        except ExpiredTokenError:
            raise Unauthorized("the sign-in has expired: sign in again", field="Authorization") from None
        except JoseError as problem:
            problem_named = _named(problem)
            raise Unauthorized(f"the token is not for this service ({problem_named})", field="Authorization") from None
        return decoded.claims

    def _decode_with_fresh_keys(self, token: str) -> jwt.Token:
        self._keys = None
        try:
            return jwt.decode(token, self._key_set(), algorithms=ALGORITHMS)
        except (JoseError, ValueError) as problem:
            raise Unauthorized(f"the token's signature cannot be checked ({_named(problem)})") from None

    def _key_set(self) -> KeySet:
        if self._keys is None or self._monotonic() - self._fetched_at > KEYS_KEPT_SECONDS:
            try:
                discovery = self._fetch_json(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
                self._keys = KeySet.import_key_set(self._fetch_json(discovery["jwks_uri"]))  # type: ignore[arg-type]
            except (OSError, ValueError, KeyError, TypeError, JoseError) as problem:
                log.error("the identity provider's keys could not be fetched: %s", problem)
                if self._keys is None:
                    raise Unavailable("the sign-in provider cannot be reached; please try again") from None
                # Keep checking with the keys we have, and ask the provider again in a minute, not every request.
                self._fetched_at = self._monotonic() - KEYS_KEPT_SECONDS + REFETCH_AT_MOST_SECONDS
                return self._keys
            self._fetched_at = self._monotonic()
        return self._keys


def _named(problem: Exception) -> str:
    return getattr(problem, "error", None) or type(problem).__name__


def http_json(url: str, timeout: float = 3.0) -> dict[str, Any]:
    """The JSON at an https URL (http only on this machine, as settings allow): the provider's discovery and keys."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 - settings check the scheme
        found = json.loads(reply.read(1_000_001))
    if not isinstance(found, dict):
        raise ValueError(f"{url} did not answer with a JSON object")
    return found
