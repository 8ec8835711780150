"""Management response and action plan: read from params, tracked, rendered EN/FR."""

from __future__ import annotations

import shutil

import pytest

from mwsn import config, response
from mwsn.codebook import load_codebook
from mwsn.errors import InputError
from mwsn.report import Report
from mwsn.report import response as section
from conftest import SHIPPED

EXAMPLE = """management_response:
  - consideration: share_back
    response: agree
    action: {en: "Publish a summary of each meeting.", fr: "Publier un résumé de chaque réunion."}
    responsible: {en: "Network coordinator", fr: "Coordonnateur du Réseau"}
    due: 2019-12
    status: in_progress
  - consideration: extend_network
    response: agree
    action: {en: "Continue funding.", fr: "Poursuivre le financement."}
    responsible: {en: "Director General", fr: "Directeur général"}
    due: 2020-03
    status: done
  - consideration: government_network
    response: partly
    reason: {en: "Funding rests with each government.", fr: "Le financement relève de chaque gouvernement."}
    action: {en: "Two meetings a year.", fr: "Deux réunions par année."}
    responsible: {en: "Government Network chair", fr: "Présidence du Réseau gouvernemental"}
    due: 2020-09
    status: not_started
"""


@pytest.fixture
def root(tmp_path):
    shutil.copytree(SHIPPED / "params", tmp_path / "params")
    path = tmp_path / "params" / "bc.yaml"
    text = path.read_text(encoding="utf-8").replace("management_response: []\n", EXAMPLE)
    path.write_text(text, encoding="utf-8")
    return tmp_path


def test_an_action_not_done_by_its_due_month_is_late(root):
    params = config.load("bc", root)
    got = response.progress(params.management_response, "2020-03").set_index("consideration")
    assert got.loc["share_back", "tracking"] == "late"          # due 2019-12, in progress
    assert got.loc["extend_network", "tracking"] == "done"      # due 2020-03, done
    assert got.loc["government_network", "tracking"] == "not_started"  # due after 2020-03
    assert response.progress(params.management_response, "2021-01").set_index(
        "consideration").loc["government_network", "tracking"] == "late"


@pytest.mark.parametrize("lang, late, done, partly", [
    ("en", "Late", "Done", "Partly agree - Funding rests with each government."),
    ("fr", "En retard", "Terminée",
     "Partiellement d&#x27;accord - Le financement relève de chaque gouvernement.")])
def test_rendered_in_both_languages(root, lang, late, done, partly):
    where = config.paths("bc", root)
    rep = Report(config.load("bc", root), where, load_codebook(root), lang)
    html = section.render(rep)
    assert late in html and done in html and partly in html
    assert ("1 action late as of 2020-03" if lang == "en" else "1 mesure en retard au 2020-03") in html
    assert "(s)" not in html


def test_no_response_recorded_says_how_to_add_one(tmp_path):
    shutil.copytree(SHIPPED / "params", tmp_path / "params")
    rep = Report(config.load("bc", tmp_path), config.paths("bc", tmp_path),
                 load_codebook(tmp_path), "en")
    assert "management_response" in section.render(rep)


def test_unknown_consideration_and_bad_month_are_refused(root):
    path = root / "params" / "bc.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "consideration: share_back", "consideration: share_backk").replace(
        "due: 2020-09", "due: September 2020"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        config.load("bc", root)
    messages = " ".join(p.message for p in caught.value.problems)
    assert "expected a month as YYYY-MM" in messages
    assert all(p.file.endswith("bc.yaml") for p in caught.value.problems)
    path.write_text(path.read_text(encoding="utf-8").replace("September 2020", "2020-09"),
                    encoding="utf-8")
    with pytest.raises(InputError, match="unknown consideration.*'share_backk'"):
        config.load("bc", root)
