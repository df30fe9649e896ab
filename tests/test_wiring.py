"""On AWS the client salt is a secret read from SSM once per container; locally it stays fixed."""

import logging
from collections.abc import Iterator

import boto3
import pytest

from chalicelib import wiring
from chalicelib.errors import ConfigurationError

PARAMETER = "/zhida-prod/client-salt"


@pytest.fixture
def on_aws(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment the template gives both functions (moto's SSM instead of the real one)."""
    monkeypatch.setenv("TABLE_NAME", "zhida-prod")
    monkeypatch.setenv("CLIENT_SALT_PARAMETER", PARAMETER)
    yield
    wiring.reset()


def _put_salt(value: str) -> None:
    boto3.client("ssm", region_name="cn-north-1").put_parameter(Name=PARAMETER, Value=value, Type="SecureString")


def test_the_salt_is_the_secure_parameters_value(on_aws: None):
    _put_salt("f3b1c0de9a8e4d2b7c6a5f4e3d2c1b0a")
    assert wiring.settings().client_salt == "f3b1c0de9a8e4d2b7c6a5f4e3d2c1b0a"
    assert wiring.settings().table_name == "zhida-prod"


def test_a_missing_parameter_fails_with_a_log_line_naming_it(on_aws: None, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.ERROR), pytest.raises(ConfigurationError, match=PARAMETER):
        wiring.settings()
    logged = [record.getMessage() for record in caplog.records]
    assert any(PARAMETER in line and "ParameterNotFound" in line for line in logged)


def test_a_missing_parameter_is_read_again_once_it_exists(on_aws: None):
    with pytest.raises(ConfigurationError):
        wiring.settings()
    _put_salt("0123456789abcdef0123456789abcdef")
    assert wiring.settings().client_salt == "0123456789abcdef0123456789abcdef"


def test_a_short_salt_is_refused(on_aws: None):
    _put_salt("guessable")
    with pytest.raises(ConfigurationError, match="fewer than 16"):
        wiring.settings()


def test_the_local_run_keeps_its_fixed_salt(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TABLE_NAME", "zhida-dev")
    monkeypatch.delenv("CLIENT_SALT_PARAMETER", raising=False)
    monkeypatch.delenv("CLIENT_SALT", raising=False)
    wiring.reset()
    try:
        assert wiring.settings().client_salt == "zhida-local"
    finally:
        wiring.reset()


def test_warming_loads_the_index_before_any_request(synced_store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TABLE_NAME", synced_store.table.name)
    wiring.reset()
    loads = []
    live = wiring.live_index()
    monkeypatch.setattr(live, "_load", lambda *args, __load=live._load: loads.append(1) or __load(*args))
    wiring.warm()
    wiring.knowledge().health()
    assert loads == [1]  # loaded while warming; the request after it found the index in hand
    wiring.reset()


def test_a_failed_warm_up_is_logged_and_left_to_the_first_request(
    on_aws: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        wiring.warm()  # no salt parameter: the service cannot be built yet
    assert any("index not loaded during init" in record.getMessage() for record in caplog.records)
