"""Issue 13, smaller items: the page's seed box, atomic writes of run --out, the CLI's help,
completion and report options (items 5, 13, 25)."""

import errno
import subprocess
import sys

import pytest
from builders import DATA, ROOT

from sim import atomic
from sim.cli import build_parser, main
from sim.errors import FrontlineError
from viz.params import guarded_model_class, parse_seed


def test_a_negative_seed_in_the_page_is_a_message_not_a_dead_session():
    with pytest.raises(FrontlineError, match="seed must be 0 or more, got '-1'"):
        parse_seed("-1")
    with pytest.raises(FrontlineError, match="seed must be 0 or more"):
        parse_seed(-5)
    assert parse_seed("0") == 0
    errors = []
    cls = guarded_model_class(lambda exc: errors.append(str(exc)), lambda: None)
    assert cls(scenario_file=str(DATA / "line.yaml"), seed="-1") is None
    assert errors == ["seed must be 0 or more, got '-1'"]


def _fail_after(monkeypatch, n):
    """The disk fills after ``n`` files are written: writing the next fails half-way."""
    real = atomic.commit
    done = []

    def commit(tmp, final):
        if len(done) >= n:
            raise OSError(errno.ENOSPC, "No space left on device")
        done.append(final)
        real(tmp, final)

    monkeypatch.setattr(atomic, "commit", commit)
    return done


@pytest.mark.parametrize("landed", [0, 3, 5])
def test_run_out_on_a_full_disk_leaves_no_partial_file(tmp_path, monkeypatch, capsys, landed):
    out = tmp_path / "run"
    done = _fail_after(monkeypatch, landed)
    assert main(["run", str(DATA / "line.yaml"), "--days", "5", "--quiet", "--out",
                 str(out)]) == 2
    err = capsys.readouterr().err
    assert f"frontline: error: cannot write results to {out}: No space left on device" in err
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in done)
    monkeypatch.undo()
    ref = tmp_path / "ref"
    assert main(["run", str(DATA / "line.yaml"), "--days", "5", "--quiet", "--out",
                 str(ref)]) == 0
    for p in done:  # what landed is whole
        if p.suffix != ".png":
            assert p.read_bytes() == (ref / p.name).read_bytes()


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "x.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic.open_atomic(target) as fh:
        fh.write("half")
        raise RuntimeError
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]
    atomic.write_text(target, "new")
    assert target.read_text() == "new" and list(tmp_path.iterdir()) == [target]


def _options(parser, command):
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices[command]._actions


@pytest.mark.parametrize("command", ["generate", "bench", "sweep", "report", "run", "viz"])
def test_every_option_has_help(command):
    missing = [a.dest for a in _options(build_parser(), command)
               if not a.help and a.dest != "help"]
    assert missing == []


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_shell_completion(shell, capsys):
    pytest.importorskip("shtab")
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for word in ("sweep", "report", "--by-day", "--worker-timeout", "validate"):
        assert word in script


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "r.parquet"
    assert main(["sweep", str(DATA / "sweep_line.yaml"), "--workers", "1", "--out",
                 str(out)]) == 0
    return out


def test_report_by_day_takes_a_date(results, tmp_path, capsys):
    from sim.sweep.cli import by_day

    assert by_day("30") == 30
    with pytest.raises(Exception, match="a day number or a date"):
        by_day("next week")
    capsys.readouterr()
    assert main(["report", str(results), "--by-day", "10", "--out", str(tmp_path / "a")]) == 0
    by_number = capsys.readouterr().out
    start = "2020-01-01"  # line.yaml's start date
    import datetime as dt

    date = (dt.date.fromisoformat(start) + dt.timedelta(days=10)).isoformat()
    assert main(["report", str(results), "--by-day", date, "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out.replace("/b", "/a") == by_number
    assert main(["report", str(results), "--by-day", "2000-01-01", "--out",
                 str(tmp_path / "c")]) == 2
    assert "is before the runs start" in capsys.readouterr().err


def test_report_tables_are_not_cut_when_piped(results, tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim", "report", str(results), "--out",
                           str(tmp_path / "rep")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) > 80
    assert "…" not in done.stdout  # no column cut short


@pytest.fixture(params=["8k", "96k"])  # full at the third CSV; at the second PNG
def small_disk(tmp_path, request):
    """A real small file system (tmpfs), where the permissions allow mounting one."""
    where = tmp_path / "small"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={request.param}", "tmpfs",
                           str(where)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_run_out_on_a_really_full_disk(small_disk, capsys):
    out = small_disk / "run"
    code = main(["run", str(DATA / "line.yaml"), "--days", "5", "--quiet", "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"cannot write results to {out}: No space left on device" in err
    assert "Traceback" not in err
    written = sorted(p.name for p in out.iterdir())
    assert not [n for n in written if n.startswith(".")], written  # no temporary file
    assert "territory.png" not in written  # it did fill up
    assert main(["run", str(DATA / "line.yaml"), "--days", "5", "--quiet", "--out",
                 str(small_disk.parent / "ref")]) == 0
    for name in written:  # what is there is whole
        assert (out / name).read_bytes() == (small_disk.parent / "ref" / name).read_bytes()


def test_generate_output_on_a_full_disk_leaves_no_file(tmp_path, monkeypatch, capsys):
    _fail_after(monkeypatch, 0)
    target = tmp_path / "g.yaml"
    assert main(["generate", "--towns", "20", "-o", str(target)]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_bash_completes_a_subcommand_and_an_option(tmp_path, capsys):
    pytest.importorskip("shtab")
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "frontline.bash"
    script.write_text(capsys.readouterr().out)

    def complete(*words):
        line = " ".join(words)
        probe = (f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                 f"COMP_LINE='{line}'; COMP_POINT={len(line)}; _shtab_frontline; "
                 "echo \"${COMPREPLY[@]}\"")
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
        return done.stdout.split()

    assert complete("frontline", "sw") == ["sweep"]
    assert "--worker-timeout" in complete("frontline", "sweep", "x.yaml", "--wo")
