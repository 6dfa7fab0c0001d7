"""WHO z-scores: WHO's own igrowup output reproduced, and single cases checked by hand on the tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ducha.quality.who_tables import who_tables
from ducha.quality.zscores import compute_zscores

REFERENCE = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "who" / "MySurvey_z_st.csv"
PAIRS = {"waz": ("zwei", "fwei"), "laz": ("zlen", "flen"), "wlz": ("zwfl", "fwfl"), "baz": ("zbmi", "fbmi")}
# children WHO gave a z-score (rows, of 498) — asserted so the comparison cannot pass on empty columns
WHO_COUNTS = {"waz": 489, "laz": 475, "wlz": 467, "baz": 468}


@pytest.fixture(scope="module")
def who() -> tuple[pd.DataFrame, pd.DataFrame]:
    assert REFERENCE.is_file(), f"WHO reference output missing: {REFERENCE}"
    ref = pd.read_csv(REFERENCE)
    frame = pd.DataFrame({"sex": ref["GENDER"], "age_days": ref["age.days"], "weight_kg": ref["WEIGHT"],
                          "length_cm": ref["HEIGHT"], "measure": ref["measure"], "oedema": ref["oedema"]})
    return ref, compute_zscores(frame)


def lms(table: str, sex: int, row: int) -> tuple[float, float, float]:
    t = who_tables()[table]
    return float(t.l[sex, row]), float(t.m[sex, row]), float(t.s[sex, row])


def sd(k: float, L: float, M: float, S: float) -> float:
    return M * (1 + L * S * k) ** (1 / L)


def one(**columns: object) -> pd.Series:
    row = {"sex": 1, "age_days": 365, "weight_kg": np.nan, "length_cm": np.nan, "measure": None}
    row.update(columns)
    return compute_zscores(pd.DataFrame([row])).iloc[0]


# ── WHO's reference output ───────────────────────────────────────────────────────────────────────


def test_reference_file_has_the_expected_shape(who: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, _ = who
    assert len(ref) == 498
    for ours, (z, _flag) in PAIRS.items():
        assert ref[z].notna().sum() == WHO_COUNTS[ours]


@pytest.mark.parametrize("indicator", list(PAIRS))
def test_every_who_z_score_reproduced_to_two_decimals(who: tuple[pd.DataFrame, pd.DataFrame], indicator: str) -> None:
    ref, out = who
    z_col, _ = PAIRS[indicator]
    within = ref["age.days"] <= 1826
    expected = ref.loc[within & ref[z_col].notna(), z_col]
    ours = out.loc[expected.index, indicator]
    assert len(expected) == WHO_COUNTS[indicator] - 4  # all but the 4 children past 60 months, below
    np.testing.assert_array_equal(ours.to_numpy(), expected.to_numpy())
    # where WHO left the z-score blank (no measurement, oedema, length outside the table) so do we
    blank = ref.index[ref[z_col].isna()]
    assert len(blank) == 498 - WHO_COUNTS[indicator]
    assert out.loc[blank, indicator].isna().all()


@pytest.mark.parametrize("indicator", list(PAIRS))
def test_every_who_flag_reproduced(who: tuple[pd.DataFrame, pd.DataFrame], indicator: str) -> None:
    ref, out = who
    _, flag_col = PAIRS[indicator]
    rows = ref.index[ref[flag_col].notna() & (ref["age.days"] <= 1826)]
    assert len(rows) == WHO_COUNTS[indicator] - 4
    assert out.loc[rows, "f" + indicator].astype(int).tolist() == ref.loc[rows, flag_col].astype(int).tolist()
    assert out.loc[ref.index[ref[flag_col].isna()], "f" + indicator].isna().all()


def test_children_past_60_months_are_not_scored(who: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """WHO's older igrowup (tables to 1856 days) scored four children aged 1832–1852 days; the tables WHO
    ships with ``anthro`` end at 1826 days and current WHO software scores only below 60 months, as
    quality.md §5 says: these four get no z-score."""
    ref, out = who
    past = ref.index[ref["age.days"] > 1826]
    assert ref.loc[past, "id"].tolist() == [4, 44, 95, 343]
    assert out.loc[past, list(PAIRS)].isna().all().all()


def test_oedema_leaves_weight_based_scores_blank_as_who_does(who: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, out = who
    oedema = ref.index[ref["oedema"] == "y"]
    assert len(oedema) == 6
    assert out.loc[oedema, ["waz", "wlz", "baz"]].isna().all().all()
    assert out.loc[oedema, ["fwaz", "fwlz", "fbaz"]].isna().all().all()
    np.testing.assert_array_equal(out.loc[oedema, "laz"].to_numpy(), ref.loc[oedema, "zlen"].to_numpy())


def test_the_0_7_cm_rule_appears_in_the_reference(who: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Lying after 731 days, WHO's clenhei is 0.7 cm less: the rows that exercise the rule agree too."""
    ref, out = who
    adjusted = ref.index[(ref["age.days"] >= 731) & (ref["measure"] == "l") & ref["HEIGHT"].notna()]
    assert len(adjusted) >= 10
    np.testing.assert_allclose(ref.loc[adjusted, "clenhei"], ref.loc[adjusted, "HEIGHT"] - 0.7, atol=1e-6)
    np.testing.assert_array_equal(out.loc[adjusted, "laz"].to_numpy(), ref.loc[adjusted, "zlen"].to_numpy())


# ── single cases ───────────────────────────────────────────────────────────────────────────────────


def test_who_published_single_cases() -> None:
    assert one(sex=2, age_days=1522, weight_kg=17)["waz"] == 0.24
    assert one(sex=1, age_days=44, length_cm=50, measure="l")["laz"] == -3.29


def test_child_at_the_median_is_zero() -> None:
    _, m, _ = lms("wfa", 1, 0)
    assert one(sex=1, age_days=0, weight_kg=m)["waz"] == 0.0
    _, m, _ = lms("lhfa", 2, 400)
    assert one(sex=2, age_days=400, length_cm=m, measure="l")["laz"] == 0.0
    _, m, _ = lms("bfa", 1, 1000)
    height = lms("lhfa", 1, 1000)[1]
    assert one(sex=1, age_days=1000, weight_kg=m * (height / 100) ** 2, length_cm=height, measure="h")["baz"] == 0.0


def test_values_at_sd3_and_sd_minus_3() -> None:
    L, M, S = lms("wfa", 2, 500)
    assert one(sex=2, age_days=500, weight_kg=sd(3, L, M, S))["waz"] == 3.0
    assert one(sex=2, age_days=500, weight_kg=sd(-3, L, M, S))["waz"] == -3.0


def test_beyond_3_sd_is_measured_in_sd2_to_sd3_gaps() -> None:
    L, M, S = lms("wfa", 1, 200)
    sd3, sd2, sdm3, sdm2 = sd(3, L, M, S), sd(2, L, M, S), sd(-3, L, M, S), sd(-2, L, M, S)
    heavy, light = sd3 + 0.5 * (sd3 - sd2), sdm3 - 1.5 * (sdm2 - sdm3)
    assert one(sex=1, age_days=200, weight_kg=heavy)["waz"] == 3.5
    assert one(sex=1, age_days=200, weight_kg=light)["waz"] == -4.5
    for weight, restricted in ((heavy, 3.5), (light, -4.5)):  # the plain LMS formula gives other answers
        assert abs(round(((weight / M) ** L - 1) / (S * L), 2) - restricted) > 0.02
    # weight-for-length too (row 75.0 cm = index 300 of the WFL table)
    L, M, S = lms("wfl", 2, 300)
    sd3, sd2 = sd(3, L, M, S), sd(2, L, M, S)
    assert one(sex=2, age_days=300, length_cm=75.0, measure="l", weight_kg=sd3 + 2 * (sd3 - sd2))["wlz"] == 5.0


def test_length_for_age_is_not_restricted() -> None:
    L, M, S = lms("lhfa", 1, 100)
    assert L == 1
    assert one(sex=1, age_days=100, length_cm=M * (1 + 4.2 * S), measure="l")["laz"] == 4.2


def test_standing_before_731_days_adds_0_7_cm() -> None:
    standing = one(sex=1, age_days=730, length_cm=80.0, measure="h")
    lying = one(sex=1, age_days=730, length_cm=80.7, measure="l")
    assert standing["laz"] == lying["laz"]
    L, M, S = lms("lhfa", 1, 730)
    assert standing["laz"] == round(((80.7 / M) ** L - 1) / (S * L), 2)


def test_lying_from_731_days_subtracts_0_7_cm() -> None:
    lying = one(sex=2, age_days=731, length_cm=85.7, measure="L")
    standing = one(sex=2, age_days=731, length_cm=85.0, measure="H")
    assert lying["laz"] == standing["laz"]
    L, M, S = lms("lhfa", 2, 731)
    assert standing["laz"] == round(((85.0 / M) ** L - 1) / (S * L), 2)


def test_missing_measure_is_judged_by_age_without_adjustment() -> None:
    L, M, S = lms("lhfa", 1, 731)
    assert one(sex=1, age_days=731, length_cm=86.0)["laz"] == round(((86.0 / M) ** L - 1) / (S * L), 2)
    L, M, S = lms("lhfa", 1, 730)
    assert one(sex=1, age_days=730, length_cm=86.0, measure="")["laz"] == round(((86.0 / M) ** L - 1) / (S * L), 2)


def test_weight_for_length_before_731_days_weight_for_height_from_731() -> None:
    for age, table, row in ((730, "wfl", 350), (731, "wfh", 150)):  # 80.0 cm in each table
        L, M, S = lms(table, 1, row)
        assert one(sex=1, age_days=age, length_cm=80.0, measure="l" if age < 731 else "h",
                   weight_kg=M)["wlz"] == 0.0


def test_length_between_rows_is_interpolated() -> None:
    low, high = lms("wfl", 2, 350), lms("wfl", 2, 351)  # 80.0 and 80.1 cm
    L, M, S = ((a + b) / 2 for a, b in zip(low, high, strict=True))
    weight = sd(1.5, L, M, S)
    assert one(sex=2, age_days=500, length_cm=80.05, measure="l", weight_kg=weight)["wlz"] == 1.5


def test_length_outside_the_table_gives_no_weight_for_length() -> None:
    assert np.isnan(one(age_days=100, length_cm=44.9, measure="l", weight_kg=3)["wlz"])
    assert one(age_days=100, length_cm=45.0, measure="l", weight_kg=2.4)["wlz"] == pytest.approx(-0.09, abs=0.5)
    assert np.isnan(one(age_days=700, length_cm=110.1, measure="l", weight_kg=18)["wlz"])
    assert not np.isnan(one(age_days=700, length_cm=110.0, measure="l", weight_kg=18)["wlz"])
    assert np.isnan(one(age_days=900, length_cm=64.9, measure="h", weight_kg=7)["wlz"])
    assert np.isnan(one(age_days=900, length_cm=120.1, measure="h", weight_kg=22)["wlz"])
    assert not np.isnan(one(age_days=900, length_cm=120.0, measure="h", weight_kg=22)["wlz"])


def test_valid_to_60_months_only() -> None:
    assert not np.isnan(one(age_days=1826, weight_kg=18, length_cm=110, measure="h")[["waz", "laz", "wlz", "baz"]]
                        .astype(float)).any()
    past = one(age_days=1827, weight_kg=18, length_cm=110, measure="h")
    assert past[["waz", "laz", "wlz", "baz"]].isna().all()
    assert one(age_days=-1, weight_kg=9)[["waz", "wlz"]].isna().all()


def test_unknown_age_still_gives_weight_for_length_by_measure() -> None:
    row = one(age_days=np.nan, length_cm=80.0, measure="h", weight_kg=lms("wfh", 1, 150)[1])
    assert row["wlz"] == 0.0
    assert np.isnan(row["waz"]) and np.isnan(row["laz"])


def test_flags_use_the_rounded_z() -> None:
    L, M, S = lms("wfa", 1, 300)
    sd3, sd2, sdm3, sdm2 = sd(3, L, M, S), sd(2, L, M, S), sd(-3, L, M, S), sd(-2, L, M, S)
    high = one(age_days=300, weight_kg=sd3 + 2.2 * (sd3 - sd2))
    assert (high["waz"], high["fwaz"]) == (5.2, 1)
    low = one(age_days=300, weight_kg=sdm3 - 2.5 * (sdm2 - sdm3))
    assert (low["waz"], low["fwaz"]) == (-5.5, 0)  # WAZ flags below −6 only
    at_limit = one(age_days=300, weight_kg=sd3 + 2.001 * (sd3 - sd2))
    assert (at_limit["waz"], at_limit["fwaz"]) == (5.0, 0)  # 5.001 rounds to 5.00: not > 5
    L, M, S = lms("lhfa", 1, 300)
    tall = one(age_days=300, length_cm=M * (1 + 6.3 * S), measure="l")
    assert (tall["laz"], tall["flaz"]) == (6.3, 1)
    assert pd.isna(one(age_days=300)["fwaz"])


def test_bad_values_give_nan_not_errors() -> None:
    assert np.isnan(one(sex=3, weight_kg=9)["waz"])
    assert np.isnan(one(sex=np.nan, weight_kg=9)["waz"])
    assert np.isnan(one(weight_kg=0)["waz"])
    assert np.isnan(one(weight_kg=-9)["waz"])
    assert np.isnan(one(length_cm=0, measure="l")["laz"])


def test_text_codes_and_arrow_input() -> None:
    frame = pd.DataFrame({"sex": ["1", "F"], "age_days": [365, 365], "weight_kg": [9.6, 8.9],
                          "length_cm": [75.7, 74.0], "measure": ["L", " l"]})
    by_text = compute_zscores(frame)
    numeric = compute_zscores(frame.assign(sex=[1, 2], measure=["l", "l"]))
    pd.testing.assert_frame_equal(by_text[["waz", "laz", "wlz", "baz"]], numeric[["waz", "laz", "wlz", "baz"]])
    arrow = compute_zscores(pa.Table.from_pandas(frame.assign(sex=[1, 2])))
    assert arrow["waz"].tolist() == numeric["waz"].tolist()
    assert list(arrow.columns)[-8:] == ["waz", "laz", "wlz", "baz", "fwaz", "flaz", "fwlz", "fbaz"]


def test_input_problems_are_reported_in_chinese() -> None:
    with pytest.raises(ValueError, match="缺少列：age_days、length_cm"):
        compute_zscores(pd.DataFrame({"sex": [1], "weight_kg": [9.0]}))
    frame = pd.DataFrame({"sex": [1, 1], "age_days": [300, 300], "weight_kg": ["9.1", "九"], "length_cm": [70, 70]})
    with pytest.raises(ValueError, match="“weight_kg”列有不是数字的值：“九”（行索引 1）"):
        compute_zscores(frame)


def test_many_rows_in_blocks_match_one_by_one() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    frame = pd.DataFrame({"sex": rng.integers(1, 3, n), "age_days": rng.integers(0, 1830, n),
                          "weight_kg": np.round(rng.uniform(2, 25, n), 1),
                          "length_cm": np.round(rng.uniform(44, 122, n), 1),
                          "measure": rng.choice(["l", "h", ""], n)})
    whole = compute_zscores(frame)
    sample = frame.sample(60, random_state=1)
    for index, row in sample.iterrows():
        single = compute_zscores(pd.DataFrame([row]))
        for name in ("waz", "laz", "wlz", "baz"):
            a, b = whole.at[index, name], single[name].iloc[0]
            assert (np.isnan(a) and np.isnan(b)) or a == b


def test_empty_and_all_blank_input() -> None:
    empty = pd.DataFrame({c: pd.Series([], dtype="float64") for c in ("sex", "age_days", "weight_kg", "length_cm")})
    assert list(compute_zscores(empty).columns)[-8:] == ["waz", "laz", "wlz", "baz", "fwaz", "flaz", "fwlz", "fbaz"]
    blank = compute_zscores(pd.DataFrame({c: [None] for c in ("sex", "age_days", "weight_kg", "length_cm", "measure")}))
    assert blank[["waz", "laz", "wlz", "baz", "fwaz", "flaz", "fwlz", "fbaz"]].isna().all(axis=None)
