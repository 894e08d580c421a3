"""The OpenML loader against a local fixture server (no network in tests)."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from tunebench.problems.catalogue import get_problem

ARFF = """@RELATION tiny
@ATTRIBUTE x1 NUMERIC
@ATTRIBUTE x2 NUMERIC
@ATTRIBUTE colour {red,blue}
@ATTRIBUTE class {yes,no}
@DATA
""" + "\n".join(f"{i % 7}.5,{(i * 3) % 11},{'red' if i % 3 else 'blue'},{'yes' if i % 2 else 'no'}"
                for i in range(60)) + "\n"


@pytest.fixture
def fixture_server(tmp_path, monkeypatch):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/api/v1/json/data/4242":
                body = json.dumps({"data_set_description": {
                    "id": "4242", "name": "tiny", "version": "1", "licence": "CC0",
                    "default_target_attribute": "class",
                    "url": f"{base}/data/v1/download/4242/tiny.arff"}}).encode()
            elif self.path == "/api/v1/json/task/77":
                body = json.dumps({"task": {"input": [{"name": "source_data", "data_set": {
                    "data_set_id": "4242", "target_feature": "class"}}]}}).encode()
            elif self.path.endswith("tiny.arff"):
                body = ARFF.encode()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TUNEBENCH_OPENML_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("TUNEBENCH_CACHE", str(tmp_path / "cache"))
    yield hits
    server.shutdown()


def test_openml_downloads_once_then_loads_from_cache(fixture_server, monkeypatch):
    p = get_problem("knn-openml:4242")
    assert p.task == "classification" and p.dataset.rows == 60 and p.dataset.features == 3
    ev = p.bind(1, folds=2)(p.default_config)
    assert ev.status == "ok"
    n = len(fixture_server)
    monkeypatch.setenv("TUNEBENCH_OPENML_URL", "http://127.0.0.1:9")  # nothing listens there
    again = get_problem("knn-openml:4242")
    assert again.dataset.rows == 60 and len(fixture_server) == n


def test_openml_task_resolves_dataset_and_target(fixture_server):
    p = get_problem("tree-openml:task/77")
    X, y = p.dataset.load()
    assert set(y) == {"yes", "no"} and "class" not in X.columns


def test_openml_without_network_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNEBENCH_OPENML_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TUNEBENCH_CACHE", str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="cannot download.*network"):
        get_problem("svm-openml:31")
