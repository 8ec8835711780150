"""Output hygiene: bidi controls never reach an output; CSV cells never run as formulas."""

from __future__ import annotations

import pandas as pd

from mwsn import hygiene, ingest
from mwsn.report.html import esc, page

RLO = "\u202e"


def test_a_right_to_left_override_in_a_name_does_not_reach_the_page():
    name = f"Recipient {RLO}A tneipiceR"
    assert RLO not in esc(name)
    assert RLO not in page(f"<p>{name}</p>", "en", f"t{RLO}", synthetic=False)


def test_csv_cells_starting_like_a_formula_are_neutralized_per_owasp(tmp_path):
    # OWASP CSV Injection: =, +, -, @, tab and carriage return at the start of a cell
    frame = pd.DataFrame({"text": ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)",
                                   "\t=1", "plain", "-3", "+1.5", f"a{RLO}b"],
                          "n": range(9)})
    path = ingest.write_csv(frame, tmp_path / "out.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back["text"].tolist() == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1+2", "'-2+3",
                                     "'@SUM(A1)", "'\t=1", "plain", "-3", "+1.5", "ab"]


def test_strip_bidi_removes_every_embedding_override_isolate_and_mark():
    controls = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                        0x200E, 0x200F, 0x061C])
    assert hygiene.strip_bidi(f"a{controls}b") == "ab"


def test_an_override_written_in_params_reaches_no_output_with_a_bidi_control_or_formula(
        tmp_path):
    # TRIAL_PRIVACY: an override's role and reason in params/evaluation_matrix.yaml carried
    # U+202E into assessment.html, findings.csv and notebooks 06 and 07
    from mwsn import config

    path = tmp_path / "matrix.yaml"
    path.write_text(f'role: "=HYPERLINK(\\"http://x\\"){RLO}Lead"\n'
                    f'reason: {{en: "=1+1 @SUM(A1) {RLO}reason"}}\n', encoding="utf-8")
    read = config.read_yaml(path)
    assert RLO not in read["role"] and RLO not in read["reason"]["en"]
    frame = pd.DataFrame({"override_role": [read["role"]],
                          "override_reason": [read["reason"]["en"]]})
    back = pd.read_csv(ingest.write_csv(frame, tmp_path / "findings.csv"), dtype=str)
    assert back.iloc[0].tolist() == ["'=HYPERLINK(\"http://x\")Lead", "'=1+1 @SUM(A1) reason"]


def test_the_vectorized_bidi_check_sees_every_control_in_any_text_column():
    for control in ("\u202a", "\u202e", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c"):
        for dtype in ("string", "str", object, "category"):
            values = pd.Series(["plain", f"a{control}b", None], dtype=dtype)
            assert hygiene.has_bidi(values), (repr(control), dtype)
    assert not hygiene.has_bidi(pd.Series(["plain", "é", None], dtype="string"))


def test_the_bidi_check_of_a_column_s_bytes_is_exact_on_slices_and_other_punctuation():
    # a control in the rows a slice leaves out, and punctuation sharing its lead byte (’ …)
    whole = pd.Series(["l’atelier…", f"a{RLO}b", "plain"], dtype="string")
    assert hygiene.has_bidi(whole)
    assert not hygiene.has_bidi(whole.iloc[[0, 2]])
    assert not hygiene.has_bidi(whole.iloc[:1])
    assert not hygiene.has_bidi(pd.Series(["l’atelier…", "«oui»", None], dtype="str"))
