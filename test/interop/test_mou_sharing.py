"""Two members with different sharing agreements (test/interop/config/directory.json `mous`),
each reading with taxii2-client what the other's policy allows it, and a third member
(charlie, reader) that only one clause of each covers.

alpha provides: clear/green to everyone, amber to member:bravo only; red to nobody;
               strips x_alpha_internal_*; attribution kept.
bravo provides: clear/green to everyone, red to member:alpha; no clause covering amber
               (so every member gets amber); attribution pseudonymised.
bravo receives: indicator, identity and marking-definition only, up to amber.
"""
import uuid

import pytest
import requests
from taxii2client.v21 import ApiRoot, as_pages

from conftest import IDENTITIES, TLP, assert_complete_success, envelope, indicator


def malware(**extra):
    obj = {
        "type": "malware", "spec_version": "2.1", "id": f"malware--{uuid.uuid4()}",
        "created": "2026-01-20T00:00:00.000Z", "modified": "2026-01-20T00:00:00.000Z",
        "name": "interop malware", "is_family": False,
    }
    obj.update(extra)
    return obj


def marked(level, by, **extra):
    return indicator(name=f"{by} {level}", created_by_ref=IDENTITIES[by], object_marking_refs=[TLP[level]], **extra)


@pytest.fixture(scope="module")
def world(collection):
    a = {
        "green": marked("green", "alpha"),
        "amber": marked("amber", "alpha"),
        "red": marked("red", "alpha"),
        "internal": marked("green", "alpha", x_alpha_internal_note="case 4711, analyst j.doe"),
        "unmarked": indicator(name="alpha unmarked", created_by_ref=IDENTITIES["alpha"]),
        "malware": malware(created_by_ref=IDENTITIES["alpha"], object_marking_refs=[TLP["green"]]),
    }
    b = {
        "green": marked("green", "bravo"),
        "amber": marked("amber", "bravo"),
        "red": marked("red", "bravo"),
        "malware": malware(created_by_ref=IDENTITIES["bravo"], object_marking_refs=[TLP["green"]]),
    }
    assert_complete_success(collection("shared", "alpha").add_objects(envelope(list(a.values())), poll_interval=0.2), len(a))
    assert_complete_success(collection("shared", "bravo").add_objects(envelope(list(b.values())), poll_interval=0.2), len(b))
    ids = {f"a.{k}": v["id"] for k, v in a.items()} | {f"b.{k}": v["id"] for k, v in b.items()}
    return {"a": a, "b": b, "ids": ids}


EXPECTED = {
    "alpha": {"a.green", "a.amber", "a.red", "a.internal", "a.unmarked", "a.malware",
              "b.green", "b.amber", "b.red", "b.malware"},
    "bravo": {"b.green", "b.amber", "b.red", "b.malware",
              "a.green", "a.amber", "a.internal", "a.unmarked"},
    "charlie": {"a.green", "a.internal", "a.unmarked", "a.malware",
                "b.green", "b.amber", "b.malware"},
}


def read_all(col, fn="get_objects"):
    out = []
    for page in as_pages(getattr(col, fn), per_request=7):
        out.extend(page.get("objects", []))
    return out


@pytest.mark.parametrize("member", sorted(EXPECTED))
def test_each_member_sees_exactly_what_the_providers_policies_allow(collection, world, member):
    by_id = {v: k for k, v in world["ids"].items()}
    col = collection("shared", member)
    objects = read_all(col)
    mine = sorted(by_id[o["id"]] for o in objects if o["id"] in by_id)
    assert mine == sorted(EXPECTED[member])
    # The manifest counts the same view, and paging over it gives the same set.
    manifest = sorted(by_id[r["id"]] for r in read_all(col, "get_manifest") if r["id"] in by_id)
    assert manifest == mine


@pytest.mark.parametrize("member,hidden", [("bravo", "a.red"), ("bravo", "a.malware"), ("charlie", "a.amber"),
                                           ("charlie", "b.red"), ("alpha", "b.nothing-hidden")])
def test_a_hidden_object_is_404_by_id(collection, world, member, hidden):
    col = collection("shared", member)
    if hidden == "b.nothing-hidden":
        # alpha is named member by member in bravo's red clause: it gets bravo's red by id.
        assert col.get_object(world["ids"]["b.red"])["objects"][0]["id"] == world["ids"]["b.red"]
        return
    with pytest.raises(requests.HTTPError) as e:
        col.get_object(world["ids"][hidden])
    assert e.value.response.status_code == 404


def test_alpha_strip_rule_removes_its_internal_properties_for_the_others_only(collection, world):
    oid = world["ids"]["a.internal"]
    own = collection("shared", "alpha").get_object(oid)["objects"][0]
    assert own["x_alpha_internal_note"] == "case 4711, analyst j.doe"
    for member in ("bravo", "charlie"):
        seen = collection("shared", member).get_object(oid)["objects"][0]
        assert "x_alpha_internal_note" not in seen, member
        assert seen["pattern"] == own["pattern"]


def test_bravo_attribution_is_pseudonymised_for_the_others_only(collection, world):
    oid = world["ids"]["b.green"]
    own = collection("shared", "bravo").get_object(oid)["objects"][0]
    assert own["created_by_ref"] == IDENTITIES["bravo"]
    pseudonyms = set()
    for member in ("alpha", "charlie"):
        seen = collection("shared", member).get_object(oid)["objects"][0]
        assert seen["created_by_ref"].startswith("identity--")
        assert seen["created_by_ref"] != IDENTITIES["bravo"], member
        pseudonyms.add(seen["created_by_ref"])
    assert len(pseudonyms) == 1  # one stable pseudonym for bravo
    # alpha keeps its attribution.
    seen = collection("shared", "bravo").get_object(world["ids"]["a.green"])["objects"][0]
    assert seen["created_by_ref"] == IDENTITIES["alpha"]


def test_personal_feeds_follow_the_same_policies(base_url, bearer, world):
    by_id = {v: k for k, v in world["ids"].items()}
    for member in ("bravo", "charlie"):
        # Found through the API root's collection list: taxii2-client checks that a
        # collection's id is the last URL segment, so the alias URL (feed-<member>) is
        # refused by the client itself (see docs/clients.md).
        root = ApiRoot(f"{base_url}/feeds/", auth=bearer(member))
        feeds = [c for c in root.collections if c.alias == f"feed-{member}"]
        assert len(feeds) == 1, [c.alias for c in root.collections]
        feed = feeds[0]
        assert feed.can_read is True and feed.can_write is False
        ids = {o["id"] for o in read_all(feed)}
        others = {by_id[i] for i in ids if i in by_id and not by_id[i].startswith(member[0] + ".")}
        expected = {k for k in EXPECTED[member] if not k.startswith(member[0] + ".")}
        assert others == expected, member
