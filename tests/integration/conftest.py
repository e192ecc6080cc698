from collections.abc import Iterator

import pytest

from tests.services import S3Server, seaweed_s3


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    with seaweed_s3(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def s3_env(s3_server, monkeypatch) -> S3Server:
    """Credentials the way production gets them: standard AWS environment variables."""
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    return s3_server
