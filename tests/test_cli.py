"""The command line, end to end: real files, a real database, the installed entry point's main()."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from newstrail.cli import COMMANDS, build_parser, main
from newstrail.records import EXPORT_FIELDS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "newstrail" / "data" / "sample"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("db") / "sample.db"
    assert main(["analyze", str(SAMPLE), "--db", str(db), "--no-progress"]) == 0
    return db


def test_every_command_has_help_and_docs(capsys):
    parser = build_parser()
    readme = (ROOT / "README.md").read_text()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name, subparser in sub.choices.items():
        assert subparser.description, f"{name} has no description"
        assert f"newstrail {name}" in readme, f"README does not show `newstrail {name}`"


def test_export_fields_are_the_contract(sample_db, capsys):
    for kind, fields in EXPORT_FIELDS.items():
        code, out, _ = run(capsys, "export", kind, "--db", str(sample_db))
        assert code == 0
        for line in out.splitlines():
            row = json.loads(line)
            assert tuple(row)[: len(fields)] == fields


def test_sample_is_analyzed(sample_db, capsys):
    _, out, _ = run(capsys, "export", "articles", "--db", str(sample_db))
    articles = [json.loads(line) for line in out.splitlines()]
    assert len(articles) >= 10
    assert all(a["body"] for a in articles)
    _, out, _ = run(capsys, "export", "quotes", "--db", str(sample_db))
    quotes = [json.loads(line) for line in out.splitlines()]
    assert quotes and all(q["speaker"] for q in quotes if q["speaker_id"])
    bodies = {a["id"]: a["body"] for a in articles}
    for q in quotes:
        if q["speaker_start"] is not None and q.get("section", "body") == "body":
            body = bodies[q["article_id"]]
            assert body[q["speaker_start"]: q["speaker_end"]] == q["speaker_mention"]


def test_csv_and_parquet_round_trip(sample_db, tmp_path, capsys):
    code, out, _ = run(capsys, "export", "quotes", "--format", "csv", "--db", str(sample_db))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and json.loads(rows[0]["spans"])[0][0] >= 0
    pq = pytest.importorskip("pyarrow.parquet")
    target = tmp_path / "q.parquet"
    code, _, err = run(capsys, "export", "quotes", "-f", "parquet", "-o", str(target), "--db", str(sample_db))
    assert code == 0 and "wrote" in err
    table = pq.read_table(target)
    assert table.num_rows == len(rows)
    assert table.column_names[: len(EXPORT_FIELDS["quotes"])] == list(EXPORT_FIELDS["quotes"])


def test_reanalyze_adds_nothing_and_change_updates_in_place(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    db = tmp_path / "n.db"
    code, _, _ = run(capsys, "analyze", str(corpus), "--db", str(db), "--json")
    assert code == 0
    code, out, _ = run(capsys, "analyze", str(corpus), "--db", str(db), "--json")
    again = json.loads(out)
    assert again["added"] == 0 and again["updated"] == 0 and again["unchanged"] == again["seen"]
    before = json.loads(run(capsys, "stats", "--db", str(db), "--json")[1])

    victim = sorted(corpus.glob("*.txt"))[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n\nThe talks resume on Monday, officials said.\n",
                      encoding="utf-8")
    code, out, _ = run(capsys, "analyze", str(corpus), "--db", str(db), "--json")
    changed = json.loads(out)
    assert changed["updated"] == 1 and changed["added"] == 0
    after = json.loads(run(capsys, "stats", "--db", str(db), "--json")[1])
    assert after["articles"] == before["articles"]
    _, out, _ = run(capsys, "export", "articles", "--db", str(db))
    body = next(json.loads(l)["body"] for l in out.splitlines() if json.loads(l)["id"] == victim.stem)
    assert body.rstrip().endswith("officials said.")


def test_bad_inputs_are_reported_and_skipped(tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text("Harbour strike ends\n\nThe strike ended on Friday, the union said.\n", encoding="utf-8")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "j1", "text": "Talks resumed, she said."}\n{not json\n', encoding="utf-8")
    db = tmp_path / "n.db"
    code, out, err = run(capsys, "analyze", str(good), str(broken), str(tmp_path / "missing.txt"),
                         "--db", str(db), "--json")
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("broken.jsonl" in e for e in errors) and any("missing.txt" in e for e in errors)
    assert all("Traceback" not in e for e in errors)
    ids = {json.loads(l)["id"] for l in run(capsys, "export", "articles", "--db", str(db))[1].splitlines()}
    assert ids == {"good", "j1"}


def test_reading_a_missing_database_is_one_clear_line(tmp_path, capsys):
    code, out, err = run(capsys, "stats", "--db", str(tmp_path / "none.db"))
    assert code == 2
    assert re.fullmatch(r"error: .*none\.db: no such database; run 'newstrail analyze PATH' first or pass --db\n", err)


def test_search_and_report(sample_db, tmp_path, capsys):
    _, out, _ = run(capsys, "export", "quotes", "--db", str(sample_db))
    word = max(json.loads(out.splitlines()[0])["text"].split(), key=len).strip(".,;:!?“”\"'")
    code, out, _ = run(capsys, "search", word, "--json", "--db", str(sample_db))
    assert code == 0 and any(word.lower() in json.loads(l)["text"].lower() for l in out.splitlines())
    report = tmp_path / "r.html"
    code, out, _ = run(capsys, "report", "-o", str(report), "--db", str(sample_db))
    assert code == 0 and str(report.resolve()) in out
    assert "<script" not in report.read_text().lower()


def test_report_escapes_article_text(tmp_path, capsys):
    evil = tmp_path / "evil.txt"
    evil.write_text("Port <b>talks</b>\n\n“<script>alert(1)</script> is fine,” the union leader Mara Venn said.\n",
                    encoding="utf-8")
    db = tmp_path / "e.db"
    assert run(capsys, "analyze", str(evil), "--db", str(db))[0] == 0
    report = tmp_path / "r.html"
    assert run(capsys, "report", "-o", str(report), "--db", str(db))[0] == 0
    html = report.read_text()
    assert "<script>alert" not in html and "<b>talks" not in html
    assert "&lt;b&gt;talks" in html
