"""Shared fixtures of the interop suite.

.ci/interop starts Concord with the directory of test/interop/config/ on a fresh store,
creates the credentials with the CLI and passes them here:

    CONCORD_INTEROP_URL          http://127.0.0.1:<port>
    CONCORD_INTEROP_CREDENTIALS  a JSON file {member: {token, username?, password?}}
    CONCORD_INTEROP_ROOT         the repository

Without them the server-side tests cannot run; pytest then fails (it never skips them
silently: an interop suite that did not reach a server has not passed).
"""
import json
import os
import uuid

import pytest
import requests
from taxii2client.v21 import Collection, as_pages

TAXII = "application/taxii+json;version=2.1"
API_ROOT = "interop"

# The collections of test/interop/config/directory.json.
COLLECTIONS = {
    "shared": "4f1c2b7a-9d3e-4c1a-8b2f-6e5d4c3b2a10",
    "bulk": "7b2d3c4e-5f60-4a1b-9c2d-3e4f5a6b7c81",
    "readonly": "9c8b7a6d-5e4f-4321-a0b9-c8d7e6f5a4b3",
    "scratch": "1e2d3c4b-5a69-4788-97a6-b5c4d3e2f1a0",
    "secret": "0a9b8c7d-6e5f-4a3b-8c1d-0e9f8a7b6c5d",
}
IDENTITIES = {
    "alpha": "identity--a1a1a1a1-0000-4000-8000-00000000a1a1",
    "bravo": "identity--b2b2b2b2-0000-4000-8000-00000000b2b2",
}
TLP = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

REPO = os.environ.get("CONCORD_INTEROP_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class BearerAuth(requests.auth.AuthBase):
    """RFC 6750 `Authorization: Bearer <token>` (taxii2-client takes any requests auth)."""

    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = "Bearer " + self.token
        return r


def _require(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the interop suite through .ci/interop", pytrace=False)
    return value


@pytest.fixture(scope="session")
def base_url():
    return _require("CONCORD_INTEROP_URL").rstrip("/")


@pytest.fixture(scope="session")
def creds():
    with open(_require("CONCORD_INTEROP_CREDENTIALS")) as f:
        return json.load(f)


@pytest.fixture(scope="session")
def discovery_url(base_url):
    return base_url + "/taxii2/"


@pytest.fixture(scope="session")
def api_root_url(base_url):
    return f"{base_url}/{API_ROOT}/"


@pytest.fixture(scope="session")
def collection_url(api_root_url):
    def url(alias):
        return f"{api_root_url}collections/{COLLECTIONS[alias]}/"
    return url


@pytest.fixture(scope="session")
def bearer(creds):
    def auth(member):
        return BearerAuth(creds[member]["token"])
    return auth


@pytest.fixture(scope="session")
def collection(collection_url, bearer):
    """A taxii2client Collection of the interop API root, as `member` with its Bearer token."""
    def make(alias, member):
        return Collection(collection_url(alias), auth=bearer(member))
    return make


def indicator(**extra):
    stamp = extra.pop("stamp", "2026-01-15T10:00:00.000Z")
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": stamp,
        "modified": stamp,
        "name": "interop indicator",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[ipv4-addr:value = '198.51.100.{uuid.uuid4().int % 250 + 1}']",
        "pattern_type": "stix",
        "valid_from": stamp,
    }
    obj.update(extra)
    return obj


def envelope(objects):
    return {"objects": objects}


def assert_complete_success(status, count):
    """A taxii2client Status that finished with every object a success."""
    assert status.status == "complete", status._raw
    assert status.total_count == count, status._raw
    assert status.success_count == count, status._raw
    assert status.failure_count == 0, status._raw
    assert status.pending_count == 0, status._raw


BULK_COUNT = 1234


@pytest.fixture(scope="session")
def bulk_ids(collection):
    """BULK_COUNT indicators in the bulk collection, published once per run by alpha with
    taxii2-client in envelopes of 400 (each status polled to completion)."""
    col = collection("bulk", "alpha")
    ids = {o["id"] for page in as_pages(col.get_manifest, per_request=500) for o in page.get("objects", [])}
    batch = [indicator(name=f"bulk indicator {i}") for i in range(BULK_COUNT - len(ids))]
    for start in range(0, len(batch), 400):
        chunk = batch[start:start + 400]
        assert_complete_success(col.add_objects(envelope(chunk), poll_interval=0.2, timeout=60), len(chunk))
        ids.update(o["id"] for o in chunk)
    assert len(ids) == BULK_COUNT
    return ids
