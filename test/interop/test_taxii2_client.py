"""The OASIS taxii2-client (taxii2client.v21) against a running Concord.

Every test talks HTTP to the server .ci/interop started; nothing is mocked. Case names
cite the TAXII 2.1 section they exercise.
"""
import re
import uuid
from datetime import datetime, timezone

import pytest
import requests
from taxii2client.common import TokenAuth
from taxii2client.exceptions import AccessError
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from conftest import (
    API_ROOT, BULK_COUNT, COLLECTIONS, TAXII, BearerAuth, assert_complete_success, envelope, indicator,
)

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def http_status(excinfo):
    return excinfo.value.response.status_code


# ------------------------------------------------------------------------------------------
# §4.1 discovery, §4.2 API roots, §5.1 / §5.2 collections


def test_discovery_with_bearer_lists_the_interop_root_as_default(discovery_url, bearer):
    server = Server(discovery_url, auth=bearer("alpha"))
    assert server.title == "Concord interop hub"
    assert server.contact == "interop@example.org"
    urls = [r.url for r in server.api_roots]
    assert any(u.endswith(f"/{API_ROOT}/") for u in urls), urls
    assert server.default is not None and server.default.url.endswith(f"/{API_ROOT}/")
    # taxii2-client resolved the (relative) URLs against the discovery URL: they must work.
    root = next(r for r in server.api_roots if r.url.endswith(f"/{API_ROOT}/"))
    assert root.title == "Interop API root"


def test_discovery_with_basic_credentials(discovery_url, creds):
    c = creds["alpha"]
    server = Server(discovery_url, user=c["username"], password=c["password"])
    assert server.title == "Concord interop hub"
    assert any(r.url.endswith(f"/{API_ROOT}/") for r in server.api_roots)


def test_discovery_hides_api_roots_a_member_cannot_use(discovery_url, bearer):
    server = Server(discovery_url, auth=bearer("outsider"))
    assert not any(r.url.endswith(f"/{API_ROOT}/") for r in server.api_roots)


def test_api_root_information(api_root_url, bearer):
    root = ApiRoot(api_root_url, auth=bearer("alpha"))
    assert root.title == "Interop API root"
    assert TAXII in root.versions
    assert root.max_content_length == 10485760


def test_collections_list_what_each_member_may_use_with_its_own_can_read_and_can_write(api_root_url, bearer):
    root = ApiRoot(api_root_url, auth=bearer("alpha"))
    seen = {c.id: (c.can_read, c.can_write) for c in root.collections}
    assert seen == {
        COLLECTIONS["shared"]: (True, True),
        COLLECTIONS["bulk"]: (True, True),
        COLLECTIONS["readonly"]: (True, False),
        COLLECTIONS["scratch"]: (True, True),
    }
    charlie = ApiRoot(api_root_url, auth=bearer("charlie"))
    assert {c.id: (c.can_read, c.can_write) for c in charlie.collections} == {
        COLLECTIONS["shared"]: (True, False),
        COLLECTIONS["bulk"]: (True, False),
    }


def test_collection_ids_are_uuid4_as_microsoft_sentinel_requires(api_root_url, bearer):
    root = ApiRoot(api_root_url, auth=bearer("admin"))
    ids = [c.id for c in root.collections]
    assert COLLECTIONS["secret"] in ids  # the admin sees every collection
    for cid in ids:
        assert UUID4.match(cid), cid


def test_collection_information(collection_url, bearer):
    col = Collection(collection_url("shared"), auth=bearer("bravo"))
    assert col.id == COLLECTIONS["shared"]
    assert col.title == "Shared"
    assert col.alias == "shared"
    assert col.can_read is True and col.can_write is True
    # §5.2.1: media_types are those of the objects the collection holds.
    assert col.media_types == ["application/stix+json;version=2.1"]


# ------------------------------------------------------------------------------------------
# §5.4 add objects and §4.3 status


def test_add_objects_waits_for_a_complete_status_and_reads_it_again(collection, api_root_url, bearer):
    col = collection("scratch", "alpha")
    objs = [indicator() for _ in range(3)]
    status = col.add_objects(envelope(objs), wait_for_completion=True, poll_interval=0.2, timeout=30)
    assert_complete_success(status, 3)
    assert sorted(s["id"] for s in status.successes) == sorted(o["id"] for o in objs)
    # The status resource, fetched on its own (§4.3), as taxii2-client builds its URL.
    again = ApiRoot(api_root_url, auth=bearer("alpha")).get_status(status.id)
    assert again.id == status.id and again.status == "complete" and again.success_count == 3


def test_add_objects_without_waiting_then_polling_the_status_url_the_client_built(collection):
    col = collection("scratch", "alpha")
    status = col.add_objects(envelope([indicator(), indicator()]), wait_for_completion=False)
    # taxii2-client builds the status URL as <collection>/../../status/<id>/ (§4.3).
    assert status.url.rstrip("/").endswith(f"/{API_ROOT}/status/{status.id}")
    status.wait_until_final(poll_interval=0.2, timeout=30)
    status.refresh()
    assert_complete_success(status, 2)


def test_a_bad_object_is_a_failure_in_the_status_and_costs_the_good_ones_nothing(collection):
    col = collection("scratch", "alpha")
    good = indicator()
    bad = indicator(valid_until="2000-01-01T00:00:00Z")  # before valid_from (STIX 2.1 §4.7.1)
    status = col.add_objects(envelope([good, bad]), poll_interval=0.2, timeout=30)
    assert status.status == "complete"
    assert (status.total_count, status.success_count, status.failure_count, status.pending_count) == (2, 1, 1, 0)
    assert status.failures[0]["id"] == bad["id"]
    assert "valid_until" in status.failures[0]["message"]
    assert col.get_object(good["id"])["objects"][0]["id"] == good["id"]
    with pytest.raises(requests.HTTPError) as e:
        col.get_object(bad["id"])
    assert http_status(e) == 404


def test_a_stix_bundle_body_is_accepted_as_an_envelope(collection):
    col = collection("scratch", "alpha")
    obj = indicator()
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [obj]}
    assert_complete_success(col.add_objects(bundle, poll_interval=0.2), 1)


# ------------------------------------------------------------------------------------------
# §3.5 pagination of a large collection with as_pages


@pytest.mark.parametrize("per_request", [100, 333, 5000])
def test_as_pages_reaches_every_object_exactly_once(collection, bulk_ids, per_request):
    col = collection("bulk", "charlie")
    seen = []
    pages = 0
    for page in as_pages(col.get_objects, per_request=per_request):
        pages += 1
        seen.extend(o["id"] for o in page.get("objects", []))
        assert pages < 100, "as_pages does not end"
    assert len(seen) == len(set(seen)), "an object came twice"
    assert set(seen) == bulk_ids
    # 5000 is above the server's cap (500): taxii2-client adopts the server's page size.
    expected_pages = -(-BULK_COUNT // min(per_request, 500))
    assert pages == expected_pages


def test_as_pages_over_the_manifest(collection, bulk_ids):
    col = collection("bulk", "charlie")
    seen = []
    for page in as_pages(col.get_manifest, per_request=250):
        for record in page.get("objects", []):
            assert set(record) >= {"id", "date_added", "version", "media_type"}
            seen.append(record["id"])
    assert len(seen) == len(set(seen)) == BULK_COUNT
    assert set(seen) == bulk_ids


def test_as_pages_with_a_type_filter_and_an_added_after_datetime(collection, bulk_ids):
    col = collection("bulk", "charlie")
    first = col.get_manifest(limit=10)["objects"]
    # added_after as a Python datetime: taxii2-client formats it itself (§3.4, strictly after).
    tenth = datetime.strptime(first[9]["date_added"].rstrip("Z")[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)
    seen = []
    for page in as_pages(col.get_objects, per_request=500, added_after=tenth, type="indicator"):
        seen.extend(o["id"] for o in page.get("objects", []))
    assert len(seen) == len(set(seen)) == BULK_COUNT - 10
    assert not {r["id"] for r in first} & set(seen)


# ------------------------------------------------------------------------------------------
# §5.5 get an object, §5.6 manifest, §5.7 delete, §5.8 versions


@pytest.fixture(scope="module")
def versioned(collection):
    """One indicator in three versions (modified one minute apart), in scratch."""
    col = collection("scratch", "alpha")
    base = indicator(name="versioned", stamp="2026-02-01T08:00:00.000Z")
    versions = []
    for i in range(3):
        v = dict(base)
        v["modified"] = f"2026-02-01T08:0{i}:00.000Z"
        versions.append(v)
    assert_complete_success(col.add_objects(envelope(versions), poll_interval=0.2), 3)
    return base["id"], [v["modified"] for v in versions]


def test_versions_lists_every_version_oldest_first(collection, versioned):
    obj_id, modified = versioned
    col = collection("scratch", "alpha")
    body = col.object_versions(obj_id)
    assert body["versions"] == modified
    assert body.get("more", False) is False


def test_get_object_defaults_to_the_latest_version_and_filters_by_version(collection, versioned):
    obj_id, modified = versioned
    col = collection("scratch", "alpha")
    assert [o["modified"] for o in col.get_object(obj_id)["objects"]] == [modified[-1]]
    assert [o["modified"] for o in col.get_object(obj_id, version="first")["objects"]] == [modified[0]]
    assert sorted(o["modified"] for o in col.get_object(obj_id, version="all")["objects"]) == modified
    assert [o["modified"] for o in col.get_object(obj_id, version=modified[1])["objects"]] == [modified[1]]


def test_manifest_filtered_by_id_gives_the_version_and_media_type(collection, versioned):
    obj_id, modified = versioned
    col = collection("scratch", "alpha")
    records = col.get_manifest(id=obj_id, version="all")["objects"]
    assert sorted(r["version"] for r in records) == modified
    assert all(r["id"] == obj_id and r["media_type"] == "application/stix+json;version=2.1" for r in records)


def test_delete_one_version_then_the_whole_object(collection):
    col = collection("scratch", "alpha")
    base = indicator(name="to delete", stamp="2026-02-02T08:00:00.000Z")
    second = dict(base, modified="2026-02-02T09:00:00.000Z")
    assert_complete_success(col.add_objects(envelope([base, second]), poll_interval=0.2), 2)
    col.delete_object(base["id"], version=second["modified"])
    assert col.object_versions(base["id"])["versions"] == [base["modified"]]
    col.delete_object(base["id"])
    with pytest.raises(requests.HTTPError) as e:
        col.get_object(base["id"])
    assert http_status(e) == 404
    with pytest.raises(requests.HTTPError) as e:
        col.delete_object(base["id"])
    assert http_status(e) == 404


# ------------------------------------------------------------------------------------------
# Credentials, 401 / 403 / 404


def test_basic_and_bearer_credentials_of_one_member_see_the_same_objects(collection_url, creds, bearer, versioned):
    obj_id, _ = versioned
    c = creds["alpha"]
    by_password = Collection(collection_url("scratch"), user=c["username"], password=c["password"])
    by_token = Collection(collection_url("scratch"), auth=bearer("alpha"))
    assert by_password.get_object(obj_id) == by_token.get_object(obj_id)


def test_taxii2_client_token_auth_class_is_accepted(collection_url, creds, versioned):
    # taxii2client.common.TokenAuth sends `Authorization: Token <key>`, not Bearer.
    obj_id, _ = versioned
    col = Collection(collection_url("scratch"), auth=TokenAuth(creds["alpha"]["token"]))
    assert col.get_object(obj_id)["objects"][0]["id"] == obj_id


@pytest.mark.parametrize("how", ["no credentials", "wrong password", "unknown token", "revoked-looking token"])
def test_401_with_a_challenge(discovery_url, creds, how):
    c = creds["alpha"]
    kwargs = {
        "no credentials": {},
        "wrong password": {"user": c["username"], "password": c["password"] + "x"},
        "unknown token": {"auth": BearerAuth("concord_" + "0" * 43)},
        "revoked-looking token": {"auth": BearerAuth(c["token"][:-2])},
    }[how]
    with pytest.raises(requests.HTTPError) as e:
        Server(discovery_url, **kwargs).refresh()
    assert http_status(e) == 401
    challenge = e.value.response.headers.get("WWW-Authenticate", "")
    assert "Basic" in challenge and "Bearer" in challenge


def test_403_posting_to_a_read_only_collection(collection):
    col = collection("readonly", "alpha")
    assert col.can_read is True and col.can_write is False
    # taxii2-client refuses locally, from the server's can_write ...
    with pytest.raises(AccessError):
        col.add_objects(envelope([indicator()]))
    # ... and the server refuses too when the request is sent anyway.
    with pytest.raises(requests.HTTPError) as e:
        col._conn.post(col.objects_url, headers={"Accept": TAXII, "Content-Type": TAXII},
                       json=envelope([indicator()]))
    assert http_status(e) == 403


def test_403_for_a_reader_credential_posting_where_its_member_may_write(collection_url, creds):
    # charlie's credentials are reader-role; its ACL on shared is read-only anyway.
    c = creds["charlie"]
    col = Collection(collection_url("shared"), user=c["username"], password=c["password"])
    assert col.can_write is False
    with pytest.raises(requests.HTTPError) as e:
        col._conn.post(col.objects_url, headers={"Accept": TAXII, "Content-Type": TAXII},
                       json=envelope([indicator()]))
    assert http_status(e) == 403


def test_404_for_a_collection_the_member_may_not_use(collection_url, bearer):
    for member in ("alpha", "charlie", "outsider"):
        with pytest.raises(requests.HTTPError) as e:
            Collection(collection_url("secret"), auth=bearer(member)).refresh()
        assert http_status(e) == 404, member
    # The admin sees it.
    assert Collection(collection_url("secret"), auth=bearer("admin")).title == "Hub only"


def test_404_for_an_unknown_collection_object_and_status(api_root_url, collection, bearer):
    with pytest.raises(requests.HTTPError) as e:
        Collection(f"{api_root_url}collections/{uuid.uuid4()}/", auth=bearer("alpha")).refresh()
    assert http_status(e) == 404
    with pytest.raises(requests.HTTPError) as e:
        collection("scratch", "alpha").get_object(f"indicator--{uuid.uuid4()}")
    assert http_status(e) == 404
    with pytest.raises(requests.HTTPError) as e:
        ApiRoot(api_root_url, auth=bearer("alpha")).get_status(str(uuid.uuid4()))
    assert http_status(e) == 404


def test_a_status_is_readable_only_by_its_poster(collection, api_root_url, bearer):
    status = collection("shared", "alpha").add_objects(envelope([indicator()]), poll_interval=0.2)
    assert ApiRoot(api_root_url, auth=bearer("alpha")).get_status(status.id).status == "complete"
    with pytest.raises(requests.HTTPError) as e:
        ApiRoot(api_root_url, auth=bearer("bravo")).get_status(status.id)
    assert http_status(e) == 404


def test_403_deleting_from_a_collection_the_member_only_reads(collection):
    # DELETE needs read and write (§5.7): alpha only reads `readonly`.
    col = collection("readonly", "alpha")
    with pytest.raises(requests.HTTPError) as e:
        col._conn.delete(col.objects_url + f"indicator--{uuid.uuid4()}/", headers={"Accept": TAXII})
    assert http_status(e) == 403
