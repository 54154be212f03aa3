from pathlib import Path

import pytest

from commonsgraph.config import DEFAULT_BASE_IRI, Settings
from commonsgraph.errors import ConfigError


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path("var")
    assert settings.base_iri == DEFAULT_BASE_IRI
    assert settings.store_path == Path("var") / "store"


def test_environment_overrides() -> None:
    settings = Settings.from_env(
        {
            "COMMONSGRAPH_DATA_DIR": "/srv/cg",
            "COMMONSGRAPH_BASE_IRI": "https://data.example.org/",
            "COMMONSGRAPH_PORT": "9000",
            "COMMONSGRAPH_HOST": "0.0.0.0",
        }
    )
    assert settings.store_path == Path("/srv/cg/store")
    assert settings.base_iri == "https://data.example.org/"
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)


def test_memory_data_dir() -> None:
    assert Settings.from_env({"COMMONSGRAPH_DATA_DIR": ":memory:"}).store_path is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"COMMONSGRAPH_PORT": "eighty"}, "COMMONSGRAPH_PORT must be an integer"),
        ({"COMMONSGRAPH_PORT": "70000"}, "between 1 and 65535"),
        ({"COMMONSGRAPH_BASE_IRI": "https://example.org/no-slash"}, "ending with '/'"),
        ({"COMMONSGRAPH_BASE_IRI": "urn:x:"}, r"http\(s\) IRI"),
    ],
)
def test_invalid_settings_are_refused_with_the_variable_named(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_resources_are_found_in_the_checkout() -> None:
    settings = Settings()
    assert settings.resource("ontology", "commonsgraph.ttl").is_file()
    assert settings.resource("data", "seed.ttl").is_file()


def test_busy_waiting_is_bounded() -> None:
    assert Settings.from_env({"COMMONSGRAPH_QUERY_BUSY_WAIT": "0"}).query_busy_wait == 0
    with pytest.raises(ConfigError, match=r"query_busy_wait must be between 0 and 0\.1"):
        Settings.from_env({"COMMONSGRAPH_QUERY_BUSY_WAIT": "2"})


def test_a_client_share_is_at_most_the_workers() -> None:
    settings = Settings.from_env({"COMMONSGRAPH_QUERY_WORKERS": "6"})
    assert (settings.max_queries_per_client, settings.client_share) == (0, 3)
    with pytest.raises(
        ConfigError, match=r"max_queries_per_client must be between 1 and query_workers \(6\)"
    ):
        Settings.from_env(
            {"COMMONSGRAPH_QUERY_WORKERS": "6", "COMMONSGRAPH_MAX_QUERIES_PER_CLIENT": "7"}
        )
    with pytest.raises(ConfigError, match="max_waiting_per_client must be 0 or positive"):
        Settings.from_env({"COMMONSGRAPH_MAX_WAITING_PER_CLIENT": "-1"})


def test_the_memory_of_a_query_worker_is_limited_by_default() -> None:
    assert Settings.from_env({}).max_query_memory_bytes == 512 * 2**20
    assert (
        Settings.from_env({"COMMONSGRAPH_MAX_QUERY_MEMORY_BYTES": "0"}).max_query_memory_bytes == 0
    )
    with pytest.raises(
        ConfigError, match=r"max_query_memory_bytes must be 0 \(no limit\) or at least"
    ):
        Settings.from_env({"COMMONSGRAPH_MAX_QUERY_MEMORY_BYTES": "1000000"})


def test_the_public_url_is_configured_or_the_listening_address() -> None:
    assert Settings.from_env({}).public_base == "http://127.0.0.1:8000/"
    assert Settings(host="0.0.0.0", port=9000).public_base == "http://127.0.0.1:9000/"
    assert Settings(host="::1").public_base == "http://[::1]:8000/"
    configured = Settings.from_env({"COMMONSGRAPH_PUBLIC_URL": "https://graph.example.org/"})
    assert configured.public_base == "https://graph.example.org/"


@pytest.mark.parametrize(
    "url",
    [
        "graph.example.org",
        "ftp://graph.example.org/",
        "https://graph.example.org",  # no path
        "https://graph.example.org/commonsgraph/",  # a sub-path
        "https://graph.example.org/?x=1",
        "https://user:secret@graph.example.org/",
        "https://graph.example.org:99999/",
        "https:///",
    ],
)
def test_a_public_url_that_is_not_an_origin_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="COMMONSGRAPH_PUBLIC_URL must be"):
        Settings.from_env({"COMMONSGRAPH_PUBLIC_URL": url})


def test_the_read_limits_of_every_route_are_settings() -> None:
    names = ("graph_store_statements", "harvest_statements", "rdf_depth", "jsonld_memory")
    env = {f"COMMONSGRAPH_MAX_{name.upper()}": str(n + 2) for n, name in enumerate(names)}
    settings = Settings.from_env(env)
    assert [getattr(settings, f"max_{name}") for name in names] == [2, 3, 4, 5]
    with pytest.raises(ConfigError, match="max_rdf_depth must be positive"):
        Settings.from_env({"COMMONSGRAPH_MAX_RDF_DEPTH": "0"})


@pytest.mark.parametrize(
    "email",
    [
        "x",
        "a@b",
        "a b@example.org",
        "a@example.org>",
        "é@example.org",
        "a@b.org\n",
        "a" * 65 + "@b.org",
    ],
)
def test_a_contact_email_that_is_no_address_is_refused(email: str) -> None:
    with pytest.raises(ConfigError, match="COMMONSGRAPH_CONTACT_EMAIL must be an e-mail address"):
        Settings.from_env({"COMMONSGRAPH_CONTACT_EMAIL": email})


def test_the_contact_email_is_read_from_the_environment() -> None:
    email = "contact+data@tiers-lieux.example.org"
    assert Settings.from_env({"COMMONSGRAPH_CONTACT_EMAIL": email}).contact_email == email
    assert Settings.from_env({}).contact_email == ""
