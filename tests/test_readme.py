"""The README's first commands stay the ones CI runs."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    lines = ROOT.joinpath("README.md").read_text().splitlines()[:12]
    return [line.strip() for line in lines if line.startswith("    ")]


def test_readme_opens_with_the_install_and_run_and_the_test_commands():
    run, test = _commands()
    assert run.endswith("pip install -e . && deskbot demo")
    assert test.endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    _run, test = _commands()
    ci_lines = [line.strip() for line in ROOT.joinpath(".ci", "run").read_text().splitlines()]
    assert test in ci_lines


def test_procfile_runs_the_bot():
    assert ROOT.joinpath("Procfile").read_text().strip() == "web: deskbot serve"


def test_the_publication_table_is_the_one_the_code_applies():
    from market.publication import RULES

    readme = ROOT.joinpath("README.md").read_text()
    for dataset, rule in RULES.items():
        assert f"| {dataset.value} | {rule.released} | {rule.source} |" in readme
