"""Cross-validation: the OASIS stix2-validator and stix2-patterns against Concord's own
gatekeeper (src/stix/, run through test/interop/concord-verdicts.ts) over one corpus:

* every object of the OASIS examples (../shared/oasis/cti-stix2-json-schemas/examples);
* test/interop/corpus/objects.json: valid and invalid objects, each with the verdict the
  STIX 2.1 specification calls for (`expect`) and the section that says so (`why`);
* test/interop/corpus/patterns.json: indicator patterns, checked with stix2-patterns.

Every disagreement between the reference tool and Concord must be listed in
test/interop/validation-allowlist.json with the spec section that justifies Concord's
answer, and docs/validation.md must mirror that list. A new disagreement, an entry that
no longer disagrees (stale), or an entry missing from the docs fails.
"""
import glob
import json
import os
import subprocess

import pytest
from stix2patterns.validator import run_validator
from stix2validator import ValidationOptions, validate_instance

from conftest import REPO

HERE = os.path.dirname(os.path.abspath(__file__))
OASIS = os.environ.get("CONCORD_INTEROP_OASIS_DIR") or os.path.join(
    REPO, "..", "shared", "oasis", "cti-stix2-json-schemas", "examples")
ALLOW = os.path.join(HERE, "validation-allowlist.json")
DOC = os.path.join(REPO, "docs", "validation.md")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def oasis_objects():
    files = sorted(glob.glob(os.path.join(OASIS, "**", "*.json"), recursive=True))
    assert files, f"no OASIS examples under {OASIS}"
    out = []
    for path in files:
        doc = load(path)
        items = doc["objects"] if isinstance(doc.get("objects"), list) else [doc]
        rel = os.path.relpath(path, OASIS)
        for i, obj in enumerate(items):
            out.append({"key": f"oasis/{rel}#{i}", "object": obj})
    return out


@pytest.fixture(scope="module")
def own_objects():
    return load(os.path.join(HERE, "corpus", "objects.json"))["objects"]


@pytest.fixture(scope="module")
def patterns():
    return load(os.path.join(HERE, "corpus", "patterns.json"))["patterns"]


@pytest.fixture(scope="module")
def allow():
    return load(ALLOW)


@pytest.fixture(scope="module")
def concord(tmp_path_factory, oasis_objects, own_objects, patterns):
    """Concord's verdicts, from the TypeScript sources (npx ts-node), in one process."""
    corpus = {
        "objects": [{"key": o["key"], "object": o["object"]} for o in oasis_objects + own_objects],
        "patterns": [{"key": p["key"], "pattern": p["pattern"]} for p in patterns],
    }
    path = tmp_path_factory.mktemp("corpus") / "corpus.json"
    path.write_text(json.dumps(corpus), encoding="utf-8")
    run = subprocess.run(
        ["npx", "--no-install", "ts-node", "--transpile-only", os.path.join(HERE, "concord-verdicts.ts"), str(path)],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    verdicts = json.loads(run.stdout)
    assert len(verdicts["objects"]) == len(corpus["objects"]) and len(verdicts["patterns"]) == len(patterns)
    return verdicts


def reference_object_verdict(obj):
    """stix2-validator's verdict (True: valid), and its messages. A crash counts as not valid."""
    try:
        result = validate_instance(obj, ValidationOptions(version="2.1"))
    except Exception as e:  # stix2-validator raises on some malformed input (see docs/validation.md)
        return False, [f"stix2-validator raised {type(e).__name__}: {e}"]
    return bool(result.is_valid), [str(e) for e in result.errors]


def reference_pattern_verdict(pattern):
    try:
        errors = run_validator(pattern, stix_version="2.1")
    except Exception as e:
        return False, [f"stix2-patterns raised {type(e).__name__}: {e}"]
    return not errors, [str(e) for e in errors]


def disagreements(items, reference, concord_ok):
    out = {}
    for key, ref_ok, ref_msgs, conc_ok, conc_msgs in (
            (i["key"], *reference(i), *concord_ok(i)) for i in items):
        if ref_ok != conc_ok:
            out[key] = {"reference": ref_ok, "concord": conc_ok, "reference_says": ref_msgs[:2], "concord_says": conc_msgs[:2]}
    return out


def check_against_allow_list(found, allowed, what):
    listed = {e["key"]: e for e in allowed}
    new = {k: v for k, v in found.items() if k not in listed}
    changed = {k: (listed[k], v) for k, v in found.items()
               if k in listed and (listed[k]["reference"], listed[k]["concord"]) != (v["reference"], v["concord"])}
    stale = sorted(k for k in listed if k not in found)
    problems = []
    for k, v in new.items():
        problems.append(f"NEW {what} disagreement {k}: reference valid={v['reference']} {v['reference_says']}, "
                        f"Concord valid={v['concord']} {v['concord_says']}")
    for k, (entry, v) in changed.items():
        problems.append(f"CHANGED {k}: listed as reference={entry['reference']} concord={entry['concord']}, now {v}")
    for k in stale:
        problems.append(f"STALE allow-list entry {k}: the two validators agree now; remove it (and from docs/validation.md)")
    assert not problems, "\n".join(problems)


def test_objects_stix2_validator_and_concord_agree_except_where_allow_listed(oasis_objects, own_objects, concord, allow):
    found = disagreements(
        oasis_objects + own_objects,
        lambda i: reference_object_verdict(i["object"]),
        lambda i: (concord["objects"][i["key"]]["accepted"], concord["objects"][i["key"]]["errors"]))
    check_against_allow_list(found, allow["objects"], "object")


def test_patterns_stix2_patterns_and_concord_agree_except_where_allow_listed(patterns, concord, allow):
    found = disagreements(
        patterns,
        lambda p: reference_pattern_verdict(p["pattern"]),
        lambda p: (concord["patterns"][p["key"]] is None, [concord["patterns"][p["key"]] or ""]))
    check_against_allow_list(found, allow["patterns"], "pattern")


def test_concord_gives_the_verdict_the_specification_calls_for(own_objects, patterns, concord):
    wrong = []
    for o in own_objects:
        got = concord["objects"][o["key"]]
        if got["accepted"] != (o["expect"] == "valid"):
            wrong.append(f"{o['key']} ({o['why']}): expected {o['expect']}, Concord says {got}")
    for p in patterns:
        got = concord["patterns"][p["key"]]
        if (got is None) != (p["expect"] == "valid"):
            wrong.append(f"pattern {p['key']} {p['pattern']!r}: expected {p['expect']}, Concord says {got}")
    assert not wrong, "\n".join(wrong)


def test_the_corpus_covers_both_verdicts_and_every_oasis_example_is_accepted(own_objects, patterns, oasis_objects, concord):
    assert sum(o["expect"] == "valid" for o in own_objects) >= 20
    assert sum(o["expect"] == "invalid" for o in own_objects) >= 20
    assert sum(p["expect"] == "invalid" for p in patterns) >= 10
    assert len(oasis_objects) >= 200
    refused = [o["key"] for o in oasis_objects if not concord["objects"][o["key"]]["accepted"]]
    assert refused == []


def test_every_allow_list_entry_is_documented_with_its_spec_section(allow):
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    missing = []
    for kind in ("objects", "patterns"):
        for e in allow[kind]:
            assert e.get("spec", "").startswith("STIX 2.1 §"), e
            assert e.get("reason"), e
            if f"`{e['key']}`" not in doc or e["spec"] not in doc:
                missing.append(e["key"])
    assert not missing, f"docs/validation.md does not list: {missing}"
