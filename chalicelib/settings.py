"""Runtime settings: the only place that reads environment variables."""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.errors import ConfigurationError


@dataclass(frozen=True)
class Settings:
    """What the service needs to know about where it runs."""

    table_name: str
    region: str
    dynamodb_endpoint: str | None = None
    snapshot_bucket: str = ""  # the S3 bucket of the index snapshots; by default the table's name + "-snapshots"
    s3_endpoint: str | None = None  # locally: the embedded moto server, which serves DynamoDB and S3 alike
    index_refresh_seconds: float = 1.0
    client_salt: str = "zhida-local"
    client_salt_parameter: str | None = None  # on AWS: the SSM SecureString that holds the salt (wiring reads it)
    query_log_days: int = 180
    sign_in_failures: int = 20  # unknown or revoked keys a client may send per window before more are refused
    sign_in_window_seconds: int = 60
    # The centre's identity provider (OIDC): people sign in there; none: API keys only.
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_audiences: tuple[str, ...] = ()  # the `aud` a token must carry: by default the pages' client id
    oidc_scopes: str = "openid profile"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Settings":
        table_name = environ.get("TABLE_NAME", "").strip()
        if not table_name:
            raise ConfigurationError("TABLE_NAME is not set: the stage's environment_variables must name the table")
        # Lambda always sets AWS_REGION; AWS_DEFAULT_REGION covers the tools and the local run.
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise ConfigurationError("AWS_REGION or AWS_DEFAULT_REGION must be set")
        window = int(environ.get("SIGN_IN_WINDOW_SECONDS", "60"))
        if window < 1:
            raise ConfigurationError("SIGN_IN_WINDOW_SECONDS must be at least 1")
        dynamodb_endpoint = environ.get("DYNAMODB_ENDPOINT") or None
        issuer, client_id, audiences = _provider(environ)
        return cls(
            table_name=table_name,
            region=region,
            dynamodb_endpoint=dynamodb_endpoint,
            snapshot_bucket=environ.get("SNAPSHOT_BUCKET", "").strip() or snapshot_bucket_of(table_name),
            s3_endpoint=environ.get("S3_ENDPOINT") or dynamodb_endpoint,
            index_refresh_seconds=float(environ.get("INDEX_REFRESH_SECONDS", "1")),
            # Pseudonymises client IPs in logs and rate counters: a fixed salt locally, a secret one on AWS.
            client_salt=environ.get("CLIENT_SALT", "zhida-local"),
            client_salt_parameter=environ.get("CLIENT_SALT_PARAMETER", "").strip() or None,
            query_log_days=int(environ.get("QUERY_LOG_DAYS", "180")),
            sign_in_failures=int(environ.get("SIGN_IN_FAILURES", "20")),
            sign_in_window_seconds=window,
            oidc_issuer=issuer,
            oidc_client_id=client_id,
            oidc_audiences=audiences,
            oidc_scopes=environ.get("OIDC_SCOPES", "").strip() or "openid profile",
        )


def _provider(environ: Mapping[str, str]) -> tuple[str | None, str, tuple[str, ...]]:
    """OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_AUDIENCE, checked: an issuer needs a client id, and https unless it
    runs on this machine (the local provider of `make run` and the tests)."""
    issuer = environ.get("OIDC_ISSUER", "").strip().rstrip("/") or None
    client_id = environ.get("OIDC_CLIENT_ID", "").strip()
    if issuer is None:
        return None, "", ()
    if not client_id:
        raise ConfigurationError("OIDC_ISSUER is set but OIDC_CLIENT_ID is not: the pages need their client id")
    parsed = urlsplit(issuer)
    local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
        raise ConfigurationError(f"OIDC_ISSUER must be an https URL, not {issuer!r}")
    audiences = tuple(a.strip() for a in environ.get("OIDC_AUDIENCE", "").split(",") if a.strip()) or (client_id,)
    return issuer, client_id, audiences


def snapshot_bucket_of(table_name: str) -> str:
    """The snapshot bucket a table has when the stage names none (local runs, tests)."""
    return f"{table_name}-snapshots"


def cors_allow_origin(environ: Mapping[str, str]) -> str | None:
    """The one web origin (besides our own pages) allowed to call the API from a browser, if the stage names one.

    Read when app.py is imported: chalice applies the stage's environment variables before loading the
    app to package it, and Lambda before running it, so the preflight and the replies agree.
    """
    return environ.get("CORS_ALLOW_ORIGIN", "").strip() or None
