"""The one place boto3 objects are made: lazily, once per container, and reset for tests."""

import dataclasses
import logging
import os
from functools import cache, lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.desk.feedback import FeedbackDesk
from chalicelib.desk.figures import ArticleFacts
from chalicelib.desk.reports import ReportDesk
from chalicelib.desk.store.log import DeskLog
from chalicelib.desk.store.reports import ReportStore
from chalicelib.desk.summaries import Summariser
from chalicelib.errors import ConfigurationError, aws_error_code
from chalicelib.knowledge.editorial import EditorialService
from chalicelib.knowledge.editorial_reads import EditorialReads
from chalicelib.knowledge.live import LiveIndex
from chalicelib.knowledge.models.editing import EditorialState
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.knowledge.store.articles import ArticleStore
from chalicelib.knowledge.store.lexicon import LexiconStore
from chalicelib.knowledge.store.snapshots import SnapshotStore
from chalicelib.people.access import Principal, Role
from chalicelib.people.changes import ChangeLog
from chalicelib.people.departments import DirectoryDesk
from chalicelib.people.identities import Identities, Provider
from chalicelib.people.keys import KeyRing
from chalicelib.people.sign_ins import SignInLimit
from chalicelib.people.store.changes import ChangeStore
from chalicelib.people.store.directory import DirectoryStore
from chalicelib.people.store.keys import KeyStore
from chalicelib.people.store.mappings import MappingStore
from chalicelib.people.tokens import TokenVerifier, http_json
from chalicelib.settings import Settings, snapshot_bucket_of
from chalicelib.store.objects import READERS, WHOLE, Bucket, ensure_bucket
from chalicelib.store.records import RecordStore
from chalicelib.store.table import ensure_table

log = logging.getLogger(__name__)
# A Lambda has 10 s: a stalled connection must fail fast (and become a 503) rather than hang for botocore's
# default 60 s, and retries must stay within the budget.
DYNAMODB_CONFIG = Config(connect_timeout=2, read_timeout=4, retries={"max_attempts": 3, "mode": "standard"})
# A snapshot range is tens of MB: reads may pause longer than an item's, and READERS connections run at once.
S3_CONFIG = Config(
    connect_timeout=2, read_timeout=8, retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=READERS
)
MIN_SALT_LENGTH = 16
REPORT_KEEP_SECONDS = 30.0  # a report asked again within this time is this container's copy


class Stores:
    """Every family store, each built once on the same table. Services are handed only the ones they use."""

    def __init__(self, table: Any, bucket: Bucket) -> None:
        self.table = table  # the boto3 Table, for tools that copy it whole (kb backup)
        self.bucket = bucket  # the snapshots' bucket
        self.articles = ArticleStore(table)
        self.snapshots = SnapshotStore(table, bucket)
        self.lexicon = LexiconStore(table)
        self.directory = DirectoryStore(table)
        self.keys = KeyStore(table)
        self.changes = ChangeStore(table)  # the admin audit log
        self.mappings = MappingStore(table)
        self.records = RecordStore(table)
        self.desk_log = DeskLog(self.records)  # the desk's named records over the generic ones
        self.reports = ReportStore(table)

    def generation(self) -> int:
        """The table's generation: every generation-stamped write, of any family, moves it."""
        return self.articles.generation()


def stores_with_bucket(table: Any, s3_client: Any) -> Stores:
    """Stores on a table and its default snapshot bucket, the bucket made first if missing: for tests and tools
    that make their own table on moto."""
    return Stores(table, ensure_bucket(s3_client, snapshot_bucket_of(table.name)))


@cache
def settings() -> Settings:
    config = Settings.from_env(os.environ)
    if config.client_salt_parameter:
        config = dataclasses.replace(config, client_salt=_secret_salt(config))
    return config


def _secret_salt(config: Settings) -> str:
    """The salt from SSM, read once per container: a salt that could be guessed would let IPs be un-hashed."""
    name = config.client_salt_parameter
    ssm = boto3.client("ssm", region_name=config.region, config=DYNAMODB_CONFIG)
    try:
        value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except (BotoCoreError, ClientError) as error:
        problem = f"CLIENT_SALT_PARAMETER {name} could not be read ({aws_error_code(error)})"
        log.error("%s: create it as a SecureString (docs/operations.md)", problem)
        raise ConfigurationError(problem) from error
    if len(value) < MIN_SALT_LENGTH:
        raise ConfigurationError(f"CLIENT_SALT_PARAMETER {name} holds fewer than {MIN_SALT_LENGTH} characters")
    return value


@cache
def dynamodb():
    config = settings()
    return boto3.resource(
        "dynamodb", region_name=config.region, endpoint_url=config.dynamodb_endpoint, config=DYNAMODB_CONFIG
    )


@cache
def s3():
    config = settings()
    # moto's server on 127.0.0.1 has no bucket subdomains: name the bucket in the path there
    addressing = Config(s3={"addressing_style": "path"}) if config.s3_endpoint else Config()
    return boto3.client(
        "s3", region_name=config.region, endpoint_url=config.s3_endpoint, config=S3_CONFIG.merge(addressing)
    )


@cache
def store() -> Stores:
    """Every family store, once per container; each service below is handed only the families it uses."""
    config = settings()
    # Locally (moto) the table and bucket may not exist yet; on AWS the template creates them.
    if config.dynamodb_endpoint:
        table = ensure_table(dynamodb(), config.table_name)
    else:
        table = dynamodb().Table(config.table_name)
    if config.s3_endpoint:
        bucket = ensure_bucket(s3(), config.snapshot_bucket, range_bytes=WHOLE)
    else:
        bucket = Bucket(s3(), config.snapshot_bucket)
    return Stores(table, bucket)


@cache
def live_index() -> LiveIndex:
    """The container's one live search index (with the directory it was built with)."""
    stores = store()
    return LiveIndex(
        stores.articles,
        stores.snapshots,
        stores.lexicon,
        stores.directory,
        refresh_seconds=settings().index_refresh_seconds,
    )


@cache
def knowledge() -> KnowledgeService:
    return KnowledgeService(live_index(), store().articles)


@cache
def keys() -> KeyRing:
    return KeyRing(store().keys, live_index().directory, sign_in_limit())


@cache
def sign_in_limit() -> SignInLimit:
    """Failed sign-ins (unknown keys, bad tokens) per client, with this container's memory of lockouts."""
    config = settings()
    return SignInLimit(store().records, config.sign_in_failures, config.sign_in_window_seconds)


@cache
def identities() -> Identities:
    """Who calls: API keys, and tokens from the stage's identity provider when it names one."""
    config = settings()
    ring = keys()
    provider = tokens = None
    if config.oidc_issuer:
        provider = Provider(issuer=config.oidc_issuer, client_id=config.oidc_client_id, scopes=config.oidc_scopes)
        tokens = TokenVerifier(config.oidc_issuer, list(config.oidc_audiences), http_json)
    written = store().directory.departments
    return Identities(
        ring, store().mappings, live_index().directory, tokens, provider, sign_in_limit(), changes(), written
    )


@cache
def changes() -> ChangeLog:
    """The admin audit log: every change that is not an article's."""
    return ChangeLog(store().changes)


@cache
def directory() -> DirectoryDesk:
    return DirectoryDesk(store().directory, live_index().directory, changes(), store().keys, naming_department)


def naming_department(code: str) -> list[str]:
    """What outside the directory names a department (its retirement waits for them): live articles (as fresh as
    the index), working copies not archived, the referral list's groups and the claim mapping's rules."""
    live = live_index().current()
    articles = {d.id for d in live.index.documents() if d.department == code}
    heads = store().articles.heads()
    articles |= {h.id for h in heads if h.department == code and h.state is not EditorialState.ARCHIVED}
    groups = [f"转介 {g.topic}" for g in live.lexicon.referrals if g.department == code]
    rules = [f"登录映射 {r.claim}={r.value}" for r in store().mappings.current().rules if code in r.departments]
    return [*(f"文章 {a}" for a in sorted(articles)), *groups, *rules]


@cache
def desk() -> FeedbackDesk:
    return FeedbackDesk(store().desk_log, knowledge(), query_log_days=settings().query_log_days)


@cache
def editorial() -> EditorialService:
    # Knowledge and the desk are siblings: a published version is told here to the desk, which closes the tasks
    # flags raised on that article before the version was written.
    fixed = [lambda published: desk().close_fixed(published)]
    return EditorialService(store().articles, store().lexicon, live_index().directory, on_published=fixed)


def editorial_reads() -> EditorialReads:
    """What editors read of the workflow: the editorial service's read side."""
    return editorial().reads


@cache
def reports() -> ReportDesk:
    return ReportDesk(store().reports, store().desk_log, knowledge(), article_facts, keep_seconds=REPORT_KEEP_SECONDS)


@cache
def summariser() -> Summariser:
    return Summariser(store().reports, reports().reader)


def article_facts() -> list[ArticleFacts]:
    """Every article's title, category, department and review date, archived ones too: read again (a paged index
    query, megabytes at ten thousand articles) only once the table's generation has moved."""
    return _facts_at(live_index().generation())


@lru_cache(maxsize=1)
def _facts_at(generation: int) -> list[ArticleFacts]:
    return [ArticleFacts(h.id, h.title, h.category, h.department, h.review_by) for h in store().articles.heads()]


SCHEDULER = Principal(Role.ADMIN, "scheduler")


def maintenance() -> None:
    """The periodic job: publish what is due, re-snapshot the index once enough has changed since, and summarise
    for reports, a few per run: the closed days (with their surges, into their week and month), the days an older
    release summarised (once), and today's closed hours."""
    editorial().promote_due(SCHEDULER)
    live_index().refresh_snapshot()
    summaries = summariser()
    summaries.summarise_closed_days()
    summaries.roll_up_earlier_days()
    summaries.summarise_closed_hours()


def warm() -> None:
    """Load the search index now: on Lambda this runs during init, which has its own time budget and full
    CPU, so the first request does not pay for it. A failure is only logged: the first request tries again."""
    try:
        knowledge().health()
    except Exception:  # noqa: BLE001 - init must not fail for what a request can retry and report
        log.exception("index not loaded during init; the first request will load it")


def reset() -> None:
    """Forget every cached client and service (tests switch moto on and off between cases)."""
    for made in (
        settings,
        dynamodb,
        s3,
        store,
        live_index,
        knowledge,
        keys,
        sign_in_limit,
        identities,
        directory,
        changes,
        desk,
        editorial,
        reports,
        summariser,
        _facts_at,
    ):
        made.cache_clear()
