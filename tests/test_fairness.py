"""Fair turns between clients, bursts that queue, who the client is, and the memory of a query
worker: on real servers on loopback (the behaviour is only visible over HTTP).

Other clients come from other loopback addresses (127.0.0.2…), or through X-Forwarded-For from
a trusted proxy. Every timing is an order of events or a generous bound: the cross products
run until their deadline (seconds), the queries they must not delay take milliseconds."""

import threading
from collections.abc import Iterator

import httpx
import pytest

from .servers import commonsgraph_server, wait_for_work

CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HUNGRY = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
COMUNICA_BURST = [  # what Comunica asks before a federated query: a COUNT and an ASK per pattern
    *(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {p} ?o }}" for p in ("a", "rdfs:label", "schema:url")),
    *(f"ASK {{ ?s {p} ?o }}" for p in ("a", "rdfs:label", "schema:url")),
    "SELECT (COUNT(*) AS ?n) WHERE { ?s a cg:TiersLieu ; rdfs:label ?l }",
    "ASK { ?s a cg:TiersLieu ; rdfs:label ?l }",
] * 2
MEMORY_LIMIT = 256 * 2**20


class Requests:
    """Queries sent from threads; the order in which their answers came."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.order: list[str] = []
        self.answers: dict[str, httpx.Response] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def send(
        self,
        name: str,
        query: str,
        *,
        forwarded_for: str | None = None,
        address: str = "127.0.0.1",
    ) -> None:
        """Send `query` from the loopback `address`, with an X-Forwarded-For header if given."""

        def run() -> None:
            headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
            transport = httpx.HTTPTransport(local_address=address)
            with httpx.Client(transport=transport, timeout=120) as client:
                answer = client.get(f"{self.url}/sparql", params={"query": query}, headers=headers)
            with self._lock:
                self.order.append(name)
                self.answers[name] = answer

        thread = threading.Thread(target=run)
        thread.start()
        self._threads.append(thread)

    def wait(self) -> None:
        for thread in self._threads:
            thread.join()


def problem_type(answer: httpx.Response) -> str:
    kind: str = answer.json()["type"]
    return kind.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two workers (a client's share: one), one query waiting per client, behind a trusted
    proxy on 127.0.0.1."""
    data_dir = tmp_path_factory.mktemp("proxied") / "var"
    with commonsgraph_server(
        data_dir,
        query_workers="2",
        query_timeout="3",
        max_waiting_per_client="1",
        trusted_proxies="127.0.0.1",
    ) as url:
        yield url


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The default scheduling, and a low memory limit for the query workers."""
    data_dir = tmp_path_factory.mktemp("default") / "var"
    with commonsgraph_server(
        data_dir, query_timeout="5", max_query_memory_bytes=str(MEMORY_LIMIT)
    ) as url:
        yield url


def test_a_client_that_fills_its_share_with_cross_products_does_not_delay_another(
    proxied: str,
) -> None:
    requests = Requests(proxied)
    requests.send("cross product 1", CROSS_PRODUCT)  # its share: one of the two workers
    requests.send("cross product 2", CROSS_PRODUCT)  # waits for its turn
    wait_for_work(proxied)
    requests.send("other client", "ASK {}", address="127.0.0.2")
    requests.wait()
    other = requests.answers["other client"]
    assert other.status_code == 200, other.text
    assert other.json()["boolean"] is True
    assert requests.order[0] == "other client", requests.order
    for name in ("cross product 1", "cross product 2"):
        answer = requests.answers[name]
        assert answer.status_code == 503
        assert problem_type(answer) in ("query-timeout", "overloaded")


def test_clients_behind_a_trusted_proxy_are_scheduled_apart(proxied: str) -> None:
    requests = Requests(proxied)
    requests.send("a: cross product", CROSS_PRODUCT, forwarded_for="198.51.100.1")
    wait_for_work(proxied)
    requests.send("b", "ASK {}", forwarded_for="198.51.100.2")
    # a cannot pass for someone else by writing its own X-Forwarded-For (the proxy appends)
    requests.send("a again", "ASK {}", forwarded_for="203.0.113.9, 198.51.100.1")
    requests.send("a once more", "ASK {}", forwarded_for="198.51.100.1")
    requests.wait()
    assert requests.answers["b"].status_code == 200
    assert requests.order.index("b") < requests.order.index("a: cross product")
    # a has one query running and room for one waiting: one of its two ASKs is refused
    statuses = sorted(requests.answers[name].status_code for name in ("a again", "a once more"))
    assert statuses == [200, 503]


def test_a_burst_from_one_client_is_answered_in_full(default: str) -> None:
    requests = Requests(default)
    for index, query in enumerate(COMUNICA_BURST):
        requests.send(f"{index}", query)
    requests.wait()
    assert len(requests.answers) == 16
    refused = {n: a.text for n, a in requests.answers.items() if a.status_code != 200}
    assert not refused


def test_a_query_past_the_memory_limit_is_stopped_with_a_clear_problem(default: str) -> None:
    answer = httpx.get(f"{default}/sparql", params={"query": HUNGRY}, timeout=60)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert problem_type(answer) == "query-memory-limit"
    assert "more than 256 MiB of memory" in answer.json()["detail"]
    after = httpx.get(f"{default}/sparql", params={"query": "ASK { ?s a cg:Network }"})
    assert after.status_code == 200
    assert after.json()["boolean"] is True
