"""scripts/check_law_literals.py: no legal number is written in features/, serving/ or training/ (they read it from
the law table), and the check catches the ones that would be."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "check_law_literals.py"


def run(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, paths)], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_code_holds_no_legal_literal() -> None:
    proc = run()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_the_check_catches_legal_literals_and_honours_marks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""A docstring may say 36 months and 2015-11-01."""\n'
        "\n"
        "MAX_PROBATION = 36\n"  # 3: Criminal Law Art. 72
        "TOP = 84.0\n"  # 4: Art. 253-1
        "GENERAL = 5000\n"  # 5: Art. 5(1)(5)
        "insider_threshold = 25\n"  # 6: 50 x 0.5
        "CUTOFF = '2015-11-01'\n"  # 7: Amendment IX
        "HELP = 'serious only from 50,000 yuan'\n"  # 8: Art. 6(1)(1) spelled in a string
        "def discount(months: float) -> float:\n"
        "    return months * (1 - 0.2)  # surrender\n"  # 10: a guideline fraction in a legal context
        "ratio = 0.2\n"  # 11: 0.2 with no legal context: not reported
        "ROWS = 5000  # not-law: rows per batch\n"  # 12: marked
        "label = 'Interp. 2017 Art. 5(1)(3)'\n"  # 13: a citation's year is a name
        "digits = round(1.23456, 3)  # months\n",  # 14: small integers are never reported
        encoding="utf-8",
    )
    proc = run(bad)
    assert proc.returncode == 1
    lines = sorted({int(line.split(":")[1]) for line in proc.stdout.splitlines()})
    assert lines == [3, 4, 5, 6, 7, 8, 10]
    assert "mark a number that is not law" in proc.stderr


def test_a_mark_needs_a_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("MAX_PROBATION = 36  # not-law:\n", encoding="utf-8")
    assert run(bad).returncode == 1
