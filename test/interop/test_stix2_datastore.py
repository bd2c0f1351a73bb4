"""stix2's TAXIICollectionSource and TAXIICollectionSink against a running Concord."""
import uuid

import pytest
import stix2
from stix2 import Filter, TAXIICollectionSink, TAXIICollectionSource, TAXIICollectionStore
from stix2.datastore import DataSourceError
from taxii2client.v21 import as_pages


@pytest.fixture(scope="module")
def published(collection):
    """What the Sink published to scratch as alpha: an indicator in two versions, a malware."""
    sink = TAXIICollectionSink(collection("scratch", "alpha"))
    ind = stix2.Indicator(
        name="stix2 sink indicator",
        pattern="[domain-name:value = 'sink.example.org']",
        pattern_type="stix",
        valid_from="2026-03-01T00:00:00Z",
        created="2026-03-01T00:00:00.000Z",
        modified="2026-03-01T00:00:00.000Z",
    )
    ind2 = ind.new_version(modified="2026-03-02T00:00:00.000Z", name="stix2 sink indicator, revised")
    mal = stix2.Malware(name="stix2 sink malware", is_family=True)
    sink.add(ind)  # one object: posted as a bundle of one
    sink.add(stix2.Bundle(ind2, mal))  # a bundle as it is
    return {"indicator": ind, "indicator2": ind2, "malware": mal}


def test_sink_posts_bundles_that_are_stored(collection, published):
    col = collection("scratch", "alpha")
    stored = {o["id"] for page in as_pages(col.get_manifest, per_request=500, version="all")
              for o in page.get("objects", [])}
    assert published["indicator"].id in stored
    assert published["malware"].id in stored


def test_source_get_by_id_returns_the_latest_version(collection, published):
    src = TAXIICollectionSource(collection("scratch", "alpha"))
    got = src.get(published["indicator"].id)
    assert isinstance(got, stix2.Indicator)
    assert got.name == "stix2 sink indicator, revised"
    assert str(got.modified.isoformat()).startswith("2026-03-02")
    assert src.get(f"indicator--{uuid.uuid4()}") is None


def test_source_all_versions(collection, published):
    src = TAXIICollectionSource(collection("scratch", "alpha"))
    versions = src.all_versions(published["indicator"].id)
    assert sorted(v.modified.isoformat()[:10] for v in versions) == ["2026-03-01", "2026-03-02"]


def test_source_query_by_type_and_by_id(collection, published):
    src = TAXIICollectionSource(collection("scratch", "alpha"))
    malware = src.query([Filter("type", "=", "malware")])
    assert published["malware"].id in {m.id for m in malware}
    assert all(m.type == "malware" for m in malware)
    by_id = src.query([Filter("id", "=", published["indicator"].id)])
    assert [o.name for o in by_id] == ["stix2 sink indicator, revised"]


def test_source_query_by_version(collection, published):
    src = TAXIICollectionSource(collection("scratch", "alpha"))
    first = src.query([Filter("id", "=", published["indicator"].id), Filter("version", "=", "first")])
    assert [o.name for o in first] == ["stix2 sink indicator"]
    exact = src.query([Filter("id", "=", published["indicator"].id),
                       Filter("version", "=", "2026-03-02T00:00:00.000Z")])
    assert [o.name for o in exact] == ["stix2 sink indicator, revised"]


def test_source_query_pages_through_a_large_collection(collection, bulk_ids):
    # stix2 asks for 5000 per page; the server caps pages at 500 and stix2 follows `next`.
    src = TAXIICollectionSource(collection("bulk", "charlie"))
    got = src.query([Filter("type", "=", "indicator")])
    ids = [o.id for o in got]
    assert len(ids) == len(set(ids)) and set(ids) == bulk_ids


def test_store_round_trip(collection):
    store = TAXIICollectionStore(collection("scratch", "alpha"))
    ident = stix2.Identity(name="stix2 store identity", identity_class="organization")
    store.add(ident)
    assert store.get(ident.id).name == "stix2 store identity"


def test_sink_and_source_refuse_collections_without_access(collection):
    with pytest.raises(DataSourceError):
        TAXIICollectionSink(collection("readonly", "alpha"))
    with pytest.raises(DataSourceError):
        TAXIICollectionSource(collection("secret", "alpha"))
