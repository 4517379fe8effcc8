"""
The documentation (README.md and the docs site's pages) stays runnable, checked and readable: every Python block runs
in a test, every command names a script and flags that exist, the README is a front door, and the pages are written
for users (short paragraphs, no history of the work).
"""

import ast
import importlib
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.pages import DOCS, README, REPO, benchmark_script, pages

# Every example name that a Python block of the pages may carry, and the test file that runs the blocks marked so
EXAMPLE_TESTS = {
    "quick-start": "test_learning.py",
    "quick-start-predict": "test_learning.py",
    "reinforce": "test_learning.py",
    "logits-gradient": "test_policy_gradient.py",
    "mask": "test_mask.py",
    "recurrent": "test_recurrent.py",
    "tutorial": "test_tutorial.py",
    "threads": "test_cli.py",
}
# Tools that the pages' commands call and this project does not define (their flags are theirs)
EXTERNAL_TOOLS = {"pip", "mypy", "sphinx-build", "make", "docker", "optuna", "optuna-dashboard", "tensorboard", "for", "done"}


def code_blocks(path: Path, language: str) -> list[tuple[str, str]]:
    """The (marker, code) of each fenced block of a language on a page; marker is "" where none precedes it."""
    pattern = rf"(?:<!-- example: ([\w-]+) -->\s*)?```{language}\n(.*?)```"
    return re.findall(pattern, path.read_text(), re.DOTALL)


@pytest.mark.parametrize("path", pages(), ids=lambda path: str(path.relative_to(REPO)))
def test_every_python_block_is_run_by_a_test(path):
    for marker, code in code_blocks(path, "python"):
        assert marker, f"{path.relative_to(REPO)}: a Python block without an <!-- example: NAME --> marker:\n{code[:200]}"
        assert marker in EXAMPLE_TESTS, f"{path.relative_to(REPO)}: no test runs the example '{marker}'"
        test_source = (REPO / "tests" / EXAMPLE_TESTS[marker]).read_text()
        assert re.search(rf"example[s]?\([^)]*\"{re.escape(marker)}\"", test_source), (marker, EXAMPLE_TESTS[marker])


def shell_commands() -> list[tuple[Path, str]]:
    """Every command of the pages' bash blocks (continued lines joined), and every inline `python ...` command."""
    commands = []
    for path in pages():
        for _, block in code_blocks(path, "bash"):
            for command in block.replace("\\\n", " ").splitlines():
                command = command.split(" #")[0].strip()
                if command and not command.startswith("#"):
                    commands += [(path, part.strip()) for part in command.split("&&")]
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
        commands += [(path, command) for command in re.findall(r"`(python (?:-m [^\s`]+|[^\s`]+\.py)[^`]*)`", text)]
    # A command with placeholders (<script>, ...) stands for a family of commands, shown in full elsewhere
    return [(path, command) for path, command in commands if "<" not in command and "..." not in command]


def flags_of(sources: list[Path]) -> set[str]:
    """The command-line flags that these sources' argument parsers define."""
    flags = set()
    for source in sources:
        flags |= set(re.findall(r"[\"'](--?[a-zA-Z][\w-]*)[\"']", source.read_text()))
    return flags


def zoo_script_sources(script: str) -> list[Path]:
    from sb3_reinforce.zoo.cli import SCRIPTS

    assert script in SCRIPTS, f"no zoo script {script!r}"
    module = importlib.import_module(SCRIPTS[script][0])
    sources = [Path(module.__file__), *sorted((REPO / "sb3_reinforce" / "zoo").glob("*.py"))]
    if script == "train":
        sources.append(Path(importlib.import_module("rl_zoo3.exp_manager").__file__))
    return sources


@pytest.mark.parametrize(
    "path, command", shell_commands(), ids=lambda value: value.name if isinstance(value, Path) else value[:60]
)
def test_every_command_names_a_script_and_flags_that_exist(path, command):
    """A `python` command names a script or module of this repository, or a zoo script, with flags its parser defines."""
    if "python" not in command.split()[:1]:
        assert command.split()[0] in EXTERNAL_TOOLS, f"{path.relative_to(REPO)}: unknown tool in {command!r}"
        return
    words = shlex.split(command.replace("$algo", "reinforce"))
    if words[1] == "-m":
        module = words[2]
        if module == "pytest":
            assert all((REPO / word.split("::")[0]).exists() for word in words[3:] if word.startswith("tests/")), command
            return
        if module == "sb3_reinforce.zoo":
            sources, args = zoo_script_sources(words[3]), words[4:]
        else:
            assert module == "sb3_reinforce", command
            sources, args = [REPO / "sb3_reinforce" / "__main__.py"], words[3:]
    else:
        script = REPO / words[1]
        assert script.is_file(), f"{path.relative_to(REPO)}: {words[1]} does not exist"
        sources, args = [script], words[2:]
    known = flags_of(sources) | {"--help", "-h"}  # argparse's own
    for arg in args:
        if re.fullmatch(r"--?[a-zA-Z][\w-]*", arg):
            assert arg in known, f"{path.relative_to(REPO)}: {command!r}: {arg} is not a flag of {sources[0].name}"


def test_readme_is_a_front_door():
    """At most 200 lines, the package's first use within the first 60, and the CI's test command builds the docs."""
    lines = README.read_text().splitlines()
    assert len(lines) <= 200, len(lines)
    first_use = next(i for i, line in enumerate(lines) if "python -m sb3_reinforce" in line or "import REINFORCE" in line)
    assert first_use < 60, first_use + 1
    marker = lines.index("<!-- test-command -->")
    command = next(line for line in lines[marker : marker + 4] if line.startswith(("pip", "python")))
    assert "sphinx-build -W --keep-going" in command and "mypy sb3_reinforce" in command and "pytest -n auto tests" in command
    assert ".[tests,docs]" in command


def paragraphs(path: Path) -> list[str]:
    """The prose paragraphs of a page: code blocks, tables and directives left out."""
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
    blocks = re.split(r"\n\s*\n", text)
    return [block for block in blocks if not block.lstrip().startswith(("|", "<!--", "#"))]


@pytest.mark.parametrize("path", pages(), ids=lambda path: str(path.relative_to(REPO)))
def test_pages_are_written_for_users(path):
    """Short paragraphs (a list item counts as one), and no history of the work: that is the CHANGELOG's."""
    for paragraph in paragraphs(path):
        for item in re.split(r"\n(?=- |\d+\. )", paragraph):
            assert len(item) <= 800, f"{path.relative_to(REPO)}: a paragraph of {len(item)} characters: {item[:120]}..."
    history = re.findall(r"issue [0-9]|previous install|was lent", path.read_text(), flags=re.IGNORECASE)
    assert not history, f"{path.relative_to(REPO)}: {history}"


@pytest.mark.parametrize("path", pages(), ids=lambda path: str(path.relative_to(REPO)))
def test_table_cells_hold_their_formulas(path):
    """A ``|`` inside ``$...$`` in a table row ends the cell, and the formula is cut in two (``$|z| < 4$`` rendered
    as "$"): in tables, absolute values are written ``\\lvert z \\rvert``."""
    rows = [line for line in path.read_text().splitlines() if line.lstrip().startswith("|")]
    cut = [row for row in rows for formula in re.findall(r"\$[^$]+\$", row) if "|" in formula]
    assert not cut, f"{path.relative_to(REPO)}: {cut[:3]}"


@pytest.mark.parametrize("path", pages(), ids=lambda path: str(path.relative_to(REPO)))
def test_local_links_and_images_exist(path):
    """Every relative link and image of a page points to a file of the repository (Sphinx checks the site's own)."""
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text())
    targets += re.findall(r"```\{image\} (\S+)", path.read_text())
    for target in targets:
        if re.match(r"[a-z]+:", target):
            continue  # a URL
        assert (path.parent / target).exists(), f"{path.relative_to(REPO)}: {target} does not exist"


def test_docs_figures_are_made_by_scripts():
    """Every figure of the site lies where a script of benchmarks/ writes it."""
    writers = {"benchmark": REPO / "benchmarks" / "benchmark.py", "tutorial": REPO / "benchmarks" / "tutorial_figures.py"}
    figures = sorted((DOCS / "images").rglob("*.png"))
    assert figures
    for figure in figures:
        folder = figure.relative_to(DOCS / "images").parts[0]
        assert folder in writers and writers[folder].is_file(), figure


def test_benchmark_tables_read_the_reporting_seeds_only(tmp_path, monkeypatch):
    """The report's finals and wall-clock times come from the reporting seeds, never from the tuning seeds' raw data."""
    benchmark = benchmark_script("benchmark")
    monkeypatch.setattr(benchmark, "DATA", tmp_path)
    tuning, reporting = benchmark.REPORTING_SEEDS - 1, benchmark.REPORTING_SEEDS
    (tmp_path / "CartPole-v1").mkdir()
    for seed, final in ((tuning, 10.0), (reporting, 500.0)):
        curve = f"timesteps,mean_return,mean_length\n5000,{final},{final}\n"
        (tmp_path / "CartPole-v1" / f"reinforce_seed{seed}.csv").write_text(curve)
    runs = f"env,algo,seed,seconds\nCartPole-v1,reinforce,{tuning},900.0\nCartPole-v1,reinforce,{reporting},60.0\n"
    (tmp_path / "runs.csv").write_text(runs)
    curves = benchmark.load_curves("CartPole-v1", "reinforce")
    assert list(curves) == [reporting] and curves[reporting][1].tolist() == [500.0]
    assert benchmark.wall_clocks() == {("CartPole-v1", "reinforce"): [60.0]}


def test_benchmark_score_averages_the_last_tenth_of_the_budget():
    """A seed's score is the mean of its evaluations after 90% of the budget (overshoot included), 10 episodes each."""
    benchmark = benchmark_script("benchmark")
    steps = np.arange(10_000, 1_020_001, 10_000)  # 102 evaluations: the budget overshot by two
    returns = np.where(steps > 900_000, 200.0, -100.0)
    returns[-1] = 310.0
    value, episodes = benchmark.score(steps, returns, 1_000_000)
    assert episodes == 12 * benchmark.EVAL_EPISODES
    assert value == pytest.approx((11 * 200.0 + 310.0) / 12)
    # The earlier protocol at a 100k budget: 2 evaluations in the window, too few episodes
    old_steps = np.arange(5_000, 100_001, 5_000)
    assert benchmark.score(old_steps, np.arange(20.0), 100_000) == (pytest.approx(18.5), 20)


def test_benchmark_summary_counts_scores_and_marks_short_windows(tmp_path, monkeypatch):
    """A row counts the seeds whose score reaches the threshold, apart from those whose evaluations once did; a score
    of fewer than 100 episodes is marked with a dagger."""
    pytest.importorskip("rliable")
    benchmark = benchmark_script("benchmark")
    steps = np.arange(1_000, 100_001, 1_000)
    peaked = np.where(steps == 50_000, 500.0, 100.0)  # reaches 475 once, scores 100
    held = np.where(steps >= 30_000, 500.0, 100.0)
    row = benchmark.summarise({1000: (steps, peaked), 1001: (steps, held)}, 100_000, 475)
    assert row["scores"].tolist() == [100.0, 500.0] and row["solved"] == 1 and row["hits"] == 2
    assert row["median_hit"] == 40_000 and row["episodes"] == 100
    assert "†" not in benchmark.score_cell(row, "CartPole-v1")
    old_steps = np.arange(5_000, 100_001, 5_000)
    short = benchmark.summarise({1000: (old_steps, np.full(20, 500.0))}, 100_000, 475)
    assert short["episodes"] == 20 and benchmark.score_cell(short, "CartPole-v1") == "500†"


@pytest.mark.parametrize("page", pages(), ids=lambda path: str(path.relative_to(REPO)))
def test_benchmark_dagger_is_explained_exactly_where_a_table_shows_one(page):
    """A page whose tables mark a short-window score with † explains the mark in its text, and a page whose tables
    mark none does not keep the explanation once the marked runs are rerun."""
    lines = page.read_text().splitlines()
    in_tables = any("†" in line for line in lines if line.startswith("|"))
    in_text = any("†" in line for line in lines if not line.startswith("|"))
    assert in_tables == in_text, f"{page.name}: † in its tables {in_tables}, explained in its text {in_text}"


def test_benchmark_runs_without_protocol_columns_are_the_earlier_protocol(tmp_path, monkeypatch):
    """runs.csv rows from before the protocol columns read as the earlier protocol; new rows record the current one."""
    benchmark = benchmark_script("benchmark")
    monkeypatch.setattr(benchmark, "DATA", tmp_path)
    (tmp_path / "runs.csv").write_text("env,algo,seed,seconds\nLunarLander-v3,ppo,1000,600.0\n")
    benchmark.record_wall_clock("ppo", "LunarLander-v3", 1001, 300.0)
    assert benchmark.protocols() == {
        ("LunarLander-v3", "ppo"): {(benchmark.OLD_EVAL_FREQ, benchmark.OLD_EVAL_ENVS), (10_000, benchmark.EVAL_ENVS)}
    }
    assert benchmark.how_many()[2:] == [
        "| every 10k steps, 10 envs | 1 | 5 to 5 |",
        "| every 5k steps, 1 env | 1 | 10 to 10 |",
    ]


def test_benchmark_cell_without_runs_gives_a_figure_or_a_reason(tmp_path, monkeypatch):
    """A summary cell without reporting runs says "same entry", gives the zoo's published figure or the pending reason,
    and a cell with none of these is an error, never a bare "not run"."""
    benchmark = benchmark_script("benchmark")
    assert benchmark.missing_cell("LunarLander-v3", "ppo").startswith("published: 242 ± 32 (LunarLander-v2, 1M")
    pending = tmp_path / "pending.yml"
    pending.write_text("InvertedPendulum-v5:\n  a2c: about 25 min a run\n")
    monkeypatch.setattr(benchmark, "PENDING", pending)
    assert benchmark.missing_cell("InvertedPendulum-v5", "a2c") == "pending: about 25 min a run"
    with pytest.raises(ValueError, match="InvertedPendulum-v5 ppo"):
        benchmark.missing_cell("InvertedPendulum-v5", "ppo")
    shipped = yaml.safe_load((REPO / "zoo_configs" / "reinforce.yml").read_text())
    biased = tmp_path / "biased.yml"
    biased.write_text(yaml.safe_dump({"Pendulum-v1": shipped["Pendulum-v1"]}))
    monkeypatch.setitem(benchmark.VARIANTS, "reinforce-biased", ("reinforce", biased))
    assert benchmark.missing_cell("Pendulum-v1", "reinforce-biased") == "same entry"


def test_benchmark_tables_have_no_bare_not_run():
    """The summary tables on the pages and the README's teaser give a figure or a reason in every cell."""
    for path in (
        README,
        DOCS / "benchmark.md",
        DOCS / "modules" / "reinforce.md",
        DOCS / "modules" / "reinforce_recurrent.md",
    ):
        assert "| not run |" not in path.read_text(), path


def test_benchmark_eval_cost_table(tmp_path, monkeypatch):
    """The evaluation-cost table pairs a run's protocols: the speed-up, and the evaluations' own time where the run
    without evaluations was timed."""
    benchmark = benchmark_script("benchmark")
    monkeypatch.setattr(benchmark, "DATA", tmp_path)
    (tmp_path / "eval_cost.csv").write_text(
        "env,algo,seed,protocol,eval_freq,eval_envs,eval_episodes,evaluations,seconds\n"
        "LunarLander-v3,reinforce,0,after,10000,10,10,100,450.0\n"
        "LunarLander-v3,reinforce,0,before,5000,1,10,200,900.0\n"
        "LunarLander-v3,reinforce,0,none,10000000,1,10,0,400.0\n"
    )
    assert benchmark.eval_cost_table()[2:] == [
        "| LunarLander-v3 | REINFORCE | 0 | 200 x 10 episodes on 1 env, 900 | 100 x 10 episodes on 10 envs, 450 | 2.00x "
        "| 400 | 500 to 50 |"
    ]


def test_quick_start_thread_figures_come_from_their_data(tmp_path, monkeypatch):
    """The quick start page's timings of its thread line are the table bench_quickstart.py writes from
    benchmarks/data/quickstart.csv, and recording a measurement puts its medians and runs into that table."""
    bench = benchmark_script("bench_quickstart")
    text = bench.PAGE.read_text()
    start, end = f"<!-- {bench.MARKER}:start -->", f"<!-- {bench.MARKER}:end -->"
    assert text.split(start)[1].split(end)[0].strip().splitlines() == bench.table()
    # The paragraph around the table states no timing of its own
    assert not re.search(r"\d+\.\d s", text.split(start)[0].split("th.set_num_threads(1)` line")[-1] + text.split(end)[1])

    page = tmp_path / "quickstart.md"
    page.write_text(f"before\n{start}\n| old |\n{end}\nafter\n")
    monkeypatch.setattr(bench, "PAGE", page)
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "quickstart.csv")
    bench.record("a test load", 1, {"with": [2.0, 1.0, 3.0], "without": [9.0, 7.0, 8.0]})
    assert page.read_text().splitlines()[4:-2] == [
        "| a test load, 1 spinning | 2.0 s | 8.0 s | 2.0, 1.0, 3.0; 9.0, 7.0, 8.0 (median of 3) |"
    ]
    assert page.read_text().startswith("before\n") and page.read_text().endswith("\nafter\n")


def test_tried_table_shows_scores_where_an_env_has_them():
    """The tuning notes' tables: three columns for an env tried only under the earlier finals, a fourth (the scores)
    where a row has them, with "-" for the rows from before."""
    benchmark = benchmark_script("benchmark")
    old = {"change": "a", "seeds": "0-2", "finals": "1, 2, 3"}
    new = {"change": "b", "seeds": "5-12", "finals": "4, 5", "scores": "6, 7"}
    assert benchmark.tried_table("X", {"X": [old]}) == [
        "| change | seeds | finals |",
        "|---|---|---|",
        "| a | 0-2 | 1, 2, 3 |",
    ]
    assert benchmark.tried_table("X", {"X": [old, new]})[2:] == ["| a | 0-2 | 1, 2, 3 | - |", "| b | 5-12 | 4, 5 | 6, 7 |"]


# The columns of docs/defaults.md's tables that hold a setting (a constructor parameter), and the figures of a row
DEFAULTS_SETTINGS = ("baseline", "normalize_advantage", "use_gamma_t", "learning_rate", "n_steps", "max_grad_norm")


def defaults_row() -> dict[str, str]:
    """The row of docs/defaults.md whose settings are all ``REINFORCE``'s defaults, as ``tune_defaults.py`` prints it."""
    import inspect

    from sb3_reinforce import REINFORCE

    parameters = inspect.signature(REINFORCE).parameters
    defaults = {name: parameters[name].default for name in DEFAULTS_SETTINGS}
    expected = {name: f"{value:g}" if isinstance(value, float) else str(value) for name, value in defaults.items()}
    rows, header = [], None
    for line in (DOCS / "defaults.md").read_text().splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if header is None:
            header = cells
        elif not set(cells) <= {"---"}:
            rows.append(dict(zip(header, cells, strict=True)))
    found = [row for row in rows if all(row.get(name) == value for name, value in expected.items())]
    assert len(found) == 1, f"docs/defaults.md: {len(found)} rows with the defaults {expected}, expected 1"
    return found[0]


def sentences(path: Path) -> list[str]:
    """The sentences of a page's prose paragraphs, each paragraph's lines joined."""
    return [
        sentence
        for paragraph in paragraphs(path)
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(`\[])", " ".join(paragraph.split()))
    ]


def test_figures_of_the_defaults_agree_with_their_table():
    """Every sentence that gives the defaults' figures (it links to docs/defaults.md or says "at a median of Nk steps")
    states those of the defaults' row of docs/defaults.md: the seeds reaching 475, the median steps and the final
    return. The README, the quick start and REINFORCE's page each state them."""
    row = defaults_row()
    hits, seeds = (int(n) for n in row["seeds reaching 475"].split("/"))
    median = int(row["median steps to 475"].replace(",", "")) // 1000
    final = row["final return"]
    stating = set()
    for path in pages():
        for sentence in sentences(path):
            medians = re.findall(r"median of (\d+)k steps", sentence)
            if not (medians or "defaults.md)" in sentence):
                continue
            where = f"{path.relative_to(REPO)}: {sentence!r} against docs/defaults.md's row {row}"
            for found in medians:
                assert int(found) == median, where
            for reached, out_of in re.findall(r"(\d+) seeds out of (\d+)", sentence):
                assert (int(reached), int(out_of)) == (hits, seeds), where
            for each in re.findall(r"each of (\d+) seeds", sentence):
                assert hits == seeds == int(each), where
            for mean, std in re.findall(r"(\d+) ± (\d+)", sentence):
                assert f"{mean} ± {std}" == final, where
            if medians:
                stating.add(path)
    assert {README, DOCS / "guide" / "quickstart.md", DOCS / "modules" / "reinforce.md"} <= stating, stating


@pytest.mark.parametrize("path", pages(), ids=lambda path: str(path.relative_to(REPO)))
def test_autosummary_lists_no_alias(path):
    """Sphinx gives an alias (``MlpPolicy = MaskableActorCriticPolicy``) no summary in an autosummary table: its row's
    second column renders empty. Aliases are listed in a Markdown table instead."""
    text = path.read_text()
    for block in re.finditer(r"```\{eval-rst\}\n\.\. autosummary::\n(.*?)```", text, re.DOTALL):
        modules = re.findall(r"\.\. (?:automodule|currentmodule):: (\S+)", text[: block.start()])
        assert modules, f"{path.relative_to(REPO)}: an autosummary without a module before it"
        module = importlib.import_module(modules[-1])
        for name in block.group(1).split():
            if name.startswith(":"):
                continue
            obj = getattr(module, name)
            assert getattr(obj, "__name__", name) == name, f"{path.relative_to(REPO)}: {name} is an alias of {obj!r}"


@pytest.mark.parametrize(
    "page, package", [("reinforce_mask.md", "reinforce_mask"), ("reinforce_recurrent.md", "reinforce_recurrent")]
)
def test_available_policies_name_each_alias_and_its_class(page, package):
    """The "Available Policies" table of an algorithm page lists each policy alias of its class, linked to its entry,
    with the class it is an alias of."""
    module = importlib.import_module(f"sb3_reinforce.{package}")
    algo_class = next(getattr(module, name) for name in module.__all__ if name.endswith("REINFORCE"))
    text = (DOCS / "modules" / page).read_text()
    assert ".. rubric:: Available Policies" in text, page
    section = text.split(".. rubric:: Available Policies", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # the header and its rule left out
    listed = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert all(cells), f"{page}: an empty cell in {row!r}"
        link = re.fullmatch(r"\{py:obj\}`(\w+) <([\w.]+)>`", cells[0])
        assert link is not None and link.group(2) == f"sb3_reinforce.{package}.{link.group(1)}", (page, row)
        listed[link.group(1)] = cells[1]
    assert set(listed) == set(algo_class.policy_aliases), (page, listed)
    for name, alias_of in listed.items():
        assert alias_of == f"`{algo_class.policy_aliases[name].__name__}`", (page, name, alias_of)


def test_benchmark_report_writes_only_between_markers(tmp_path):
    """The report replaces a marked block and leaves the hand-written text around it as it was."""
    benchmark = benchmark_script("benchmark")
    page = tmp_path / "page.md"
    page.write_text("# Title\n\nWritten by hand.\n\n<!-- block:start -->\nold\n<!-- block:end -->\n\nAfter, by hand.\n")
    benchmark.update_between_markers(page, ["| new |"], "block")
    assert page.read_text() == (
        "# Title\n\nWritten by hand.\n\n<!-- block:start -->\n| new |\n<!-- block:end -->\n\nAfter, by hand.\n"
    )


def test_benchmark_script_carries_no_page_prose():
    """The benchmark page's prose lives in Markdown: no constant of benchmark.py holds a sentence (it had the protocol,
    each env's reasons and the tuning notes as string constants), and the pages hold the marked blocks it writes."""
    tree = ast.parse((REPO / "benchmarks" / "benchmark.py").read_text())
    constants = [node for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)]
    strings = [leaf.value for node in constants for leaf in ast.walk(node) if isinstance(leaf, ast.Constant)]
    prose = [text for text in strings if isinstance(text, str) and len(text) > 80 and ". " in text]
    assert not prose, prose[:3]
    for page, marker in (
        (DOCS / "benchmark.md", "benchmark-env:CartPole-v1"),
        (DOCS / "tuning" / "index.md", "tried:CartPole-v1"),
    ):
        assert f"<!-- {marker}:start -->" in page.read_text()
