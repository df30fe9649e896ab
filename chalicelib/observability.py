"""What operators read: one JSON log line and one CloudWatch metrics record (EMF) per request.

Powertools for AWS Lambda does both (its Logger and Metrics), so the lines are what CloudWatch Logs
Insights and the alarms in the template expect, without a format of our own. A request's line says
which route, who (role only), how it ended and how long it took; the code that answered adds what it
knows (`note`), such as a search's outcome and the index generation. No query text is ever added: the
query log keeps the masked form, for the editors.
"""

import contextvars
import logging
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "zhida"
NAMESPACE = "Zhida"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
_notes: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("notes", default=None)
_cold = True  # the first request of this container


def note(**fields: Any) -> None:
    """Add fields to the current request's log line (and, for a search, its metrics)."""
    notes = _notes.get()
    if notes is not None:
        notes.update(fields)


def json_logs_for(*modules: str) -> None:
    """Every logger under these packages writes Powertools' JSON lines too (log.warning in the store, ...)."""
    copy_config_to_registered_loggers(source_logger=logger, include=set(modules), log_level=logging.INFO)


def observed(handle: Callable[[], Any], route: str, method: str, request_id: str | None) -> Any:
    """Run one request's handling, then write its log line and its metrics; returns the response."""
    global _cold
    cold, _cold = _cold, False
    notes: dict[str, Any] = {}
    token = _notes.set(notes)
    started = time.perf_counter()
    status = 500
    try:
        response = handle()
        status = response.status_code
        return response
    finally:
        _notes.reset(token)
        latency = (time.perf_counter() - started) * 1000
        logger.info(
            "request",
            extra={
                "route": route,
                "method": method,
                "status": status,
                "latency_ms": round(latency, 1),
                "cold_start": cold,
                "request_id": request_id,
                **notes,
            },
        )
        _record_metrics(route, status, latency, cold, notes)


def _record_metrics(route: str, status: int, latency: float, cold: bool, notes: dict[str, Any]) -> None:
    metrics.add_dimension(name="route", value=route)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency)
    metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=int(status >= 500))
    if cold:
        metrics.add_metric(name="ColdStarts", unit=MetricUnit.Count, value=1)
    if "answered" in notes:
        metrics.add_metric(name="Answered", unit=MetricUnit.Count, value=int(notes["answered"]))
        metrics.add_metric(name="Abstained", unit=MetricUnit.Count, value=int(not notes["answered"]))
    metrics.flush_metrics()
    metrics.clear_metrics()  # flush keeps them when metrics are switched off (the local run): never let them pile up
