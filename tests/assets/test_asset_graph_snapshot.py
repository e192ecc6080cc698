"""A reviewed snapshot of the asset graph: keys, deps, groups, partitions, checks, automation.

An intended change to the graph regenerates the snapshot with
``SOCCER_UPDATE_GRAPH_SNAPSHOT=1 pytest tests/assets/test_asset_graph_snapshot.py``
and the diff of ``asset_graph.json`` is part of the review.
"""

import json
import os
from pathlib import Path

import dagster as dg

from soccer_assets.definitions import build_definitions
from soccer_assets.lib.seasons import Season
from soccer_assets.settings import Settings

SNAPSHOT = Path(__file__).with_name("asset_graph.json")


def _partitions(pdef) -> object:
    if pdef is None:
        return None
    if isinstance(pdef, dg.MultiPartitionsDefinition):
        return {d.name: _partitions(d.partitions_def) for d in pdef.partitions_defs}
    if isinstance(pdef, dg.StaticPartitionsDefinition):
        return pdef.get_partition_keys()
    return type(pdef).__name__


def describe_graph(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        checks = {}
        for check_key in sorted(node.check_keys, key=lambda c: c.name):
            spec = graph.get_check_spec(check_key)
            checks[check_key.name] = {"blocking": spec.blocking}
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "partitions": _partitions(node.partitions_def),
            "checks": checks,
            "automation": str(node.automation_condition.get_label() or node.automation_condition.name)
            if node.automation_condition
            else None,
        }
    return {
        "assets": assets,
        "jobs": sorted(j.name for j in defs.jobs or []),
        "schedules": sorted(s.name for s in defs.schedules or []),
        "sensors": sorted(s.name for s in defs.sensors or []),
        "resources": sorted(defs.resources or {}),
    }


def test_asset_graph_matches_the_reviewed_snapshot(tmp_path):
    settings = Settings(leagues=("E0", "D1"), seasons=(Season(2023), Season(2024)), storage_url=str(tmp_path))
    current = describe_graph(build_definitions(settings))
    if os.environ.get("SOCCER_UPDATE_GRAPH_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text()), (
        "asset graph changed; if intended, regenerate with SOCCER_UPDATE_GRAPH_SNAPSHOT=1"
    )
