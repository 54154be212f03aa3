"""Fair turns between clients, bursts that queue, who the client is, and the memory of a query
worker: on real servers on loopback (the behaviour is only visible over HTTP).

Other clients come from other loopback addresses (127.0.0.2…), or through X-Forwarded-For from
a trusted proxy. Every timing is an order of events or a generous bound: each query is sent once
the server counts (`/health`) the one before it running or waiting, and the cross products run
until their clients hang up (their deadline is far beyond what a busy machine takes)."""

import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from .servers import HeldQuery, commonsgraph_server, wait_for_queries, wait_for_work

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
    """Queries sent from threads, and their answers."""

    def __init__(self, url: str) -> None:
        self.url = url
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
                self.answers[name] = answer

        thread = threading.Thread(target=run)
        thread.start()
        self._threads.append(thread)

    def wait(self) -> None:
        for thread in self._threads:
            thread.join()


def ask(
    url: str, query: str, *, forwarded_for: str | None = None, address: str = "127.0.0.1"
) -> httpx.Response:
    """The answer to `query` sent from the loopback `address`, with an X-Forwarded-For header
    if given."""
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(transport=transport, timeout=120) as client:
        return client.get(f"{url}/sparql", params={"query": query}, headers=headers)


def problem_type(answer: httpx.Response) -> str:
    kind: str = answer.json()["type"]
    return kind.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two workers (a client's share: one), one query waiting per client, behind a trusted
    proxy on 127.0.0.1; deadlines no busy machine reaches while a test waits for its events
    (the cross products end when their clients hang up)."""
    data_dir = tmp_path_factory.mktemp("proxied") / "var"
    with commonsgraph_server(
        data_dir,
        query_workers="2",
        query_timeout="120",
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
    cross_products = [HeldQuery(proxied, CROSS_PRODUCT)]  # its share: one of the two workers
    wait_for_queries(proxied, running=1, waiting=0)
    cross_products.append(HeldQuery(proxied, CROSS_PRODUCT))  # waits for its turn
    wait_for_queries(proxied, running=1, waiting=1)
    wait_for_work(proxied)  # the first one burns its worker's CPU
    other = ask(proxied, "ASK {}", address="127.0.0.2")
    assert other.status_code == 200, other.text
    assert other.json()["boolean"] is True
    # answered while the cross products were still running and waiting
    wait_for_queries(proxied, running=1, waiting=1)
    cross_products[0].hang_up()
    wait_for_queries(proxied, running=1, waiting=0)  # the second one got the freed turn
    cross_products[1].hang_up()
    wait_for_queries(proxied, running=0, waiting=0)


def test_clients_behind_a_trusted_proxy_are_scheduled_apart(proxied: str) -> None:
    a = HeldQuery(proxied, CROSS_PRODUCT, forwarded_for="198.51.100.1")
    wait_for_queries(proxied, running=1, waiting=0)
    b = ask(proxied, "ASK {}", forwarded_for="198.51.100.2")
    assert b.status_code == 200, b.text
    wait_for_queries(proxied, running=1, waiting=0)  # b answered while a still runs
    # a cannot pass for someone else by writing its own X-Forwarded-For (the proxy appends):
    # it has one query running and room for one waiting, so its next ASK waits...
    again = HeldQuery(proxied, "ASK {}", forwarded_for="203.0.113.9, 198.51.100.1")
    wait_for_queries(proxied, running=1, waiting=1)
    # ...and the one after is refused
    refused = ask(proxied, "ASK {}", forwarded_for="198.51.100.1")
    assert refused.status_code == 503, refused.text
    assert problem_type(refused) == "overloaded"
    a.hang_up()  # its turn goes to its query that waits
    status, body = again.answer()
    assert status == 200, body
    assert json.loads(body)["boolean"] is True
    wait_for_queries(proxied, running=0, waiting=0)


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
    after = httpx.get(f"{default}/sparql", params={"query": "ASK { ?s a cg:Network }"}, timeout=120)
    assert after.status_code == 200
    assert after.json()["boolean"] is True
