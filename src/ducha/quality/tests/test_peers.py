"""Robust peer comparison (quality.checks.peers): median/MAD z among the scan's units, county habits."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from ducha.quality.checks.peers import habit, peer_columns, peer_fired, peer_text

SDS = [1.05, 0.95, 1.10, 1.00, 1.20, 0.90, 1.15, 0.68]  # the last one is far below its peers


def units(values: list[float], n: int = 100) -> ibis.Table:
    return ibis.memtable(pd.DataFrame({"unit_id": range(1, len(values) + 1), "sd": values, "n": [n] * len(values)}))


def test_robust_z_places_a_unit_among_its_peers() -> None:
    g = units(SDS)
    out = peer_columns(g, "sd", judged=g.n >= 30, min_peers=5).to_pandas().set_index("unit_id")
    median = float(pd.Series(SDS).median())
    mad = float((pd.Series(SDS) - median).abs().median())
    assert out.loc[8, "peer_median"] == pytest.approx(median)
    assert out.loc[8, "peer_z"] == pytest.approx((0.68 - median) / (1.4826 * mad))
    assert out.loc[8, "peer_z"] < -2.3 and abs(out.loc[1, "peer_z"]) < 1
    assert (out.peer_units == 8).all()


def test_too_few_peers_or_identical_peers_give_no_z() -> None:
    g = units(SDS[:4])
    assert peer_columns(g, "sd", judged=g.n >= 30, min_peers=5).to_pandas().peer_z.isna().all()
    same = units([1.0] * 6)
    assert peer_columns(same, "sd", judged=same.n >= 30, min_peers=5).to_pandas().peer_z.isna().all()


def test_units_below_the_sample_minimum_are_not_peers_and_get_no_z() -> None:
    g = units(SDS, n=100).mutate(n=ibis.ifelse(ibis._.unit_id == 1, 5, 100))
    out = peer_columns(g, "sd", judged=g.n >= 30, min_peers=5).to_pandas().set_index("unit_id")
    assert (out.peer_units == 7).all() and pd.isna(out.loc[1, "peer_z"])
    assert out.loc[8, "peer_median"] == pytest.approx(pd.Series(SDS[1:]).median())


def test_grouped_peers_are_the_judged_rows_of_the_same_group() -> None:
    rows = pd.DataFrame({"unit_id": list(range(1, 9)) * 2 + [1], "field": ["a"] * 8 + ["b"] * 8 + ["c"],
                         "sd": SDS + [10 * v for v in SDS] + [1.0], "n": [100] * 16 + [5]})
    g = ibis.memtable(rows)
    out = peer_columns(g, "sd", judged=g.n >= 30, min_peers=5, by="field").to_pandas()
    a, b = out[out.field == "a"].set_index("unit_id"), out[out.field == "b"].set_index("unit_id")
    assert a.peer_median.tolist() == pytest.approx([float(pd.Series(SDS).median())] * 8)
    assert b.peer_median.tolist() == pytest.approx([10 * float(pd.Series(SDS).median())] * 8)
    assert a.loc[8, "peer_z"] == pytest.approx(b.loc[8, "peer_z"])  # the same place among its own field's units
    alone = out[out.field == "c"].iloc[0]  # a field with no judged row: no peers, no z
    assert alone.peer_units == 0 and pd.isna(alone.peer_median) and pd.isna(alone.peer_z)


def test_fired_needs_the_reference_and_the_peers_unless_peers_cannot_judge() -> None:
    g = peer_columns(units(SDS), "sd", judged=ibis._.n >= 30, min_peers=5)
    fired = g.mutate(fired=peer_fired(g, g.sd < 1.0, direction="low", max_z=2.0)).to_pandas().set_index("unit_id")
    assert fired.fired.to_dict() == {1: False, 2: False, 3: False, 4: False, 5: False, 6: False, 7: False, 8: True}
    few = peer_columns(units(SDS[:3] + [0.68]), "sd", judged=ibis._.n >= 30, min_peers=5)
    alone = few.mutate(fired=peer_fired(few, few.sd < 1.0, direction="low", max_z=2.5)).to_pandas()
    assert alone.set_index("unit_id").fired.to_dict() == {1: False, 2: True, 3: False, 4: True}


def test_a_signal_most_units_share_is_a_habit() -> None:
    g = units(SDS)
    county = habit(g, g.sd < 1.16, judged=g.n >= 30, habit_share=0.5, min_peers=5).to_pandas().iloc[0]
    assert (county.peer_units, county.habit_units, bool(county.habit)) == (8, 7, True)
    rare = habit(g, g.sd < 0.8, judged=g.n >= 30, habit_share=0.5, min_peers=5).to_pandas().iloc[0]
    assert (rare.habit_units, bool(rare.habit)) == (1, False)


def test_peer_text_says_median_and_distance() -> None:
    assert peer_text(0.68, 1.05, -4.12) == "全县各单位中位数 1.05，偏离 4.1 个稳健标准差"
    assert peer_text(0.68, None, None) == "可比较的单位不足，仅与参考值比较"
