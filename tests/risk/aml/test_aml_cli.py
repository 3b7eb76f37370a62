"""``hisaab aml`` end to end on the small world: batch, screening, a case to its STR, CTR, dates."""

from __future__ import annotations

import json

import pytest
from lxml import etree
from typer.testing import CliRunner

from hisaab.cli import app
from tests.risk.aml.conftest import AmlWorld

runner = CliRunner()


@pytest.fixture
def cli(aml_world: AmlWorld, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DATABASE_URL", raising=False)

    def invoke(*args: str) -> str:
        result = runner.invoke(app, ["aml", *args, "--data-dir", str(aml_world.data_dir)])
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_the_compliance_officer_works_an_alert_into_a_filed_str(
    cli, aml_world: AmlWorld, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    out = cli("run", "--from", str(aml_world.start), "--to", str(aml_world.end))
    assert "alerts" in out
    out = cli("screen")
    assert "3 hit(s) raised as alerts" in out
    alerts = json.loads(cli("alerts", "--typology", "cycle", "--json"))
    assert alerts and all("cycle" in a["typologies"] for a in alerts)
    sanctions = json.loads(cli("alerts", "--source", "screening", "--json"))
    assert len(sanctions) == 3
    opened = cli("case", "open", alerts[0]["alert_id"], "--by", "priya")
    case_id = opened.split()[-1]
    assert case_id.startswith("case_")
    refused = runner.invoke(
        app,
        [
            "aml",
            "str",
            "--case",
            case_id,
            "--out",
            str(tmp_path / "no.xml"),
            "--data-dir",
            str(aml_world.data_dir),
        ],
    )
    assert refused.exit_code == 1 and "GroundsOfSuspicion" in refused.output
    assert not (tmp_path / "no.xml").exists()
    cli("case", "assign", case_id, "--to", "arjun", "--by", "priya")
    cli("case", "note", case_id, "Money went round four accounts in three days.", "--by", "arjun")
    cli(
        "case",
        "escalate",
        case_id,
        "--grounds",
        "Round-tripping: the same lakhs returned to the origin through three accounts.",
        "--on",
        str(aml_world.end),
        "--by",
        "arjun",
    )
    cli("str", "--case", case_id, "--out", str(tmp_path / "str.xml"), "--by", "arjun")
    doc = etree.parse(str(tmp_path / "str.xml"))
    assert doc.findtext("Report/SuspicionDetails/AlertIndicator") == "cycle"
    assert len(doc.findall("Report/Transaction")) >= 3
    cli("case", "close", case_id, "--outcome", "reported", "--reason", "STR filed", "--by", "arjun")
    cli("case", "summary", case_id, "--out", str(tmp_path / "case.html"))
    html = (tmp_path / "case.html").read_text()
    assert "Round-tripping" in html and "case_closed" in html
    due = json.loads(cli("due-dates", "--json", "--today", str(aml_world.end)))
    assert any(d["kind"] == "STR" and d["reference"] == case_id and d["filed_on"] for d in due)
    assert any(d["kind"] == "CTR" and d["status"] in ("due", "overdue") for d in due)
    out = cli("ctr", "--month", "2026-10", "--out", str(tmp_path / "ctr.xml"))
    assert "person(s) with ₹10 lakh or more in cash" in out
    ctr = etree.parse(str(tmp_path / "ctr.xml"))
    assert ctr.findtext("ReportType") == "CTR" and ctr.findall("Report")  # the cash-rich traders


def test_evaluate_prints_recall_and_precision_per_typology_as_json(
    cli, aml_world: AmlWorld
) -> None:  # type: ignore[no-untyped-def]
    cli("run", "--from", str(aml_world.start), "--to", str(aml_world.end))
    result = json.loads(cli("evaluate", "--json"))
    assert set(result) >= {"typologies", "alert_rate", "rules", "false_alerts_on_lookalikes"}
    for typology, m in result["typologies"].items():
        assert set(m) >= {"recall", "precision"}, typology
        assert m["recall"] == 1.0, (typology, m)
