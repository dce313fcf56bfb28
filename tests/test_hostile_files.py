"""Hostile files and names (issue 13): each gives one clean error with file:line:path, exit 2."""

import os
import threading

import pytest
from builders import DATA

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.files import read_bounded


def only_problem(path, overrides=None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    (problem,) = info.value.problems
    return str(problem)


def variant(tmp_path, extends: str, name: str = "v.yaml"):
    path = tmp_path / name
    path.write_text(f"extends: {extends}\nformat: 1\nname: v\n")
    return path


# ------------------------------------------------------------------ 3: unbounded reads
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_without_reading_it(device):
    assert only_problem(device) == f"{device}: is a character device, not a regular file"


def test_a_device_through_extends_is_refused_at_the_extends_line(tmp_path):
    path = variant(tmp_path, "/dev/zero")
    assert only_problem(path) == (f"{path}:1: extends: base scenario '/dev/zero': is a character "
                                  "device, not a regular file")


def _unblock(fifo) -> threading.Timer:
    """If the loader (wrongly) waits for a writer, a writer comes after 5 s: the test fails
    instead of hanging. A non-blocking open succeeds only while someone is reading."""

    def write() -> None:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return
        os.write(fd, b"format: 1\n")
        os.close(fd)

    timer = threading.Timer(5.0, write)
    timer.daemon = True
    timer.start()
    return timer


def test_a_fifo_is_refused_at_once_directly_and_through_extends(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    timer = _unblock(fifo)
    try:
        assert only_problem(fifo) == f"{fifo}: is a FIFO (named pipe), not a regular file"
        path = variant(tmp_path, "pipe.yaml")
        assert only_problem(path) == (f"{path}:1: extends: base scenario 'pipe.yaml': is a FIFO "
                                      "(named pipe), not a regular file")
    finally:
        timer.cancel()


def test_a_file_larger_than_it_says_is_read_only_up_to_the_limit(tmp_path):
    # /proc files report size 0 whatever they hold; a reader must stop at the limit anyway
    with pytest.raises(ScenarioError, match=r"file is more than 100 bytes \(the limit\)"):
        read_bounded("/proc/self/maps", 100)
    small = tmp_path / "s.yaml"
    small.write_bytes(b"x" * 100)
    assert read_bounded(small, 100) == b"x" * 100


# ------------------------------------------------------------------ 6: tracebacks
def test_a_310_digit_integer_in_a_condition():
    huge = "1" + "0" * 309
    msg = only_problem(DATA / "line.yaml", {"factions.red.rules.go.when": f"day > {huge}"})
    assert msg == ("--set: factions.red.rules.go.when: number 100000000000... (310 digits) is "
                   "out of range (at most 1e+12)")


def test_extends_through_a_symlink_loop(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    path = variant(tmp_path, "a.yaml")
    msg = only_problem(path)
    assert msg.startswith(f"{path}:1: extends: base scenario 'a.yaml'")
    assert "symlink loop" in msg


def test_extends_a_300_character_name(tmp_path):
    path = variant(tmp_path, "a" * 300)
    assert only_problem(path) == (f"{path}:1: extends: base scenario {'a' * 40!r}... (300 "
                                  "characters): cannot be opened: the file name is too long")


def test_extends_a_name_with_a_nul_byte(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text('extends: "base\\0.yaml"\nformat: 1\nname: v\n')
    assert only_problem(path) == (f"{path}:1: extends: the base scenario's file name contains "
                                  "a NUL byte")


def test_a_nul_byte_in_the_file_name_itself():
    assert only_problem("line\0.yaml") == "line\0.yaml: the file name contains a NUL byte"


def test_a_start_date_the_run_would_carry_past_the_calendar(write_yaml, line_data):
    line_data["simulation"]["start_date"] = "9000-12-15"  # 30 days: past 9000-12-31
    path = write_yaml(line_data)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "days:" in t)
    assert only_problem(path) == (
        f"{path}:{line}: simulation.days: 30 days from 9000-12-15 end after 9000-12-31, the last "
        "date a run may reach (plots pad their date axes, and the calendar ends in 9999); at "
        "most 16 days from this start_date")
    msg = only_problem(DATA / "line.yaml", {"simulation.start_date": "9999-12-01"})
    assert msg.startswith("--set: simulation.start_date: start_date must be at most 9000-12-31")


def test_the_cli_exits_2_with_one_line(capsys):
    assert main(["validate", "/dev/zero"]) == 2
    assert capsys.readouterr().err == ("frontline: error: 1 problem found:\n"
                                       "  /dev/zero: is a character device, not a regular file\n")


# ------------------------------------------------------------------ 15: bases that are not one
@pytest.mark.parametrize(("text", "what"), [
    ("- a\n- b\n", "is not a scenario: the file is a list, not a mapping of sections"),
    ("", "is not a scenario: the file is empty"),
    ("just text\n", "is not a scenario: the file is a single text value, not a mapping of "
                    "sections"),
    ("Name: python\nUmask: 0022\n", "is not a frontline scenario (it has no 'format: 1'; its "
                                    "keys: Name, Umask)"),
])
def test_extends_a_base_that_is_not_a_scenario_says_so_once(tmp_path, text, what):
    (tmp_path / "base.yaml").write_text(text)
    path = variant(tmp_path, "base.yaml")
    assert only_problem(path) == f"{path}:1: extends: base scenario 'base.yaml' {what}"


def test_extends_proc_self_status_is_one_message(tmp_path):
    path = variant(tmp_path, "/proc/self/status")
    msg = only_problem(path)
    assert msg.startswith(f"{path}:1: extends: base scenario '/proc/self/status' is not a "
                          "frontline scenario (it has no 'format: 1'; its keys: Name, Umask")


def test_a_file_that_is_no_scenario_at_all_is_one_message():
    msg = only_problem("/proc/self/status")
    assert msg.startswith("/proc/self/status:1: this is not a frontline scenario: it has no "
                          "'format: 1' and none of its sections (its keys: Name, Umask")


# ------------------------------------------------------------------ 14: names that inject
@pytest.mark.parametrize(("path", "value", "code", "at"), [
    ("towns.w0.name", "al-\x1b[31mMayadin", "001B", 4),  # ESC: a terminal escape sequence
    ("towns.w0.name", "Mayadin\n2017-08-09 capture", "000A", 8),  # a forged event line
    ("factions.red.name", "Red\u202eeulB", "202E", 4),  # right-to-left override
    ("factions.red.forces.r1.name", "r\x00", "0000", 2),
    ("name", "title\r", "000D", 6),
    ("description", "two\nlines are fine, but not \x07", "0007", 29),
])
def test_control_characters_in_names_are_refused(path, value, code, at):
    msg = only_problem(DATA / "line.yaml", {path: value})
    assert msg == (f"--set: {path}: has the control character U+{code} at position {at}; names "
                   "must be printable text")


def test_a_description_may_have_newlines_and_tabs():
    loaded = load_scenario(DATA / "line.yaml", {"description": "one\n\ttwo"})
    assert loaded.scenario.description == "one\n\ttwo"


def test_formula_cells_are_neutralised():
    from sim.scenario.text import csv_safe

    assert [csv_safe(v) for v in ("=1+1", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "a=b", "", -3,
                                  2.5, None)] == [
        "'=1+1", "'+1", "'-x", "'@SUM(A1)", "'\tx", "'\rx", "a=b", "", -3, 2.5, None]


# ------------------------------------------------------------------ 16: booleans for numbers
@pytest.mark.parametrize("path", ["towns.w0.population", "towns.w0.garrison",
                                  "factions.red.forces.r1.fighters", "simulation.days",
                                  "simulation.combat.kill_rate",
                                  "factions.blue.rules.conscript.with.rate"])
@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_where_a_number_belongs_is_refused(path, value):
    msg = only_problem(DATA / "line.yaml", {path: value})
    assert msg == f"--set: {path}: expected a number, got {str(value).lower()}"


# ------------------------------------------------------------------ 24: variants
BASE = DATA.parent.parent / "scenarios" / "deir_ez_zor_2017.yaml"


@pytest.mark.parametrize(("body", "expected"), [
    ("factions:\n  isis:\n    rules: []\n", "v.yaml:5: factions: Input should be a valid list"),
    ("towns: {a: 1}\n", "v.yaml:4: towns: Input should be a valid list"),
    ("simulation: 5\n", "v.yaml:4: simulation: Input should be a valid dictionary or instance "
                        "of SimulationParams (got 5)"),
])
def test_one_structural_mistake_in_a_variant_is_one_error(tmp_path, body, expected):
    path = tmp_path / "v.yaml"
    path.write_text(f"extends: {BASE}\nformat: 1\nname: v\n{body}")
    assert only_problem(path) == f"{tmp_path}/{expected}"


def test_factions_without_ids_in_a_variant_are_reported_in_the_variant_only(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text(f"extends: {BASE}\nformat: 1\nname: v\nfactions:\n  - name: ISIS\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:5: factions[0].colour: required field is missing",
        f"{path}:5: factions[0].id: required field is missing"]


def test_a_variants_highways_replace_the_base_roads_with_a_warning(tmp_path):
    path = tmp_path / "v.yaml"
    # (the base's Euphrates crossings are highways, so the list keeps those five)
    crossings = [("dez_old_city", "husseiniya"), ("dez_jubaylah", "hatla"),
                 ("al_muriiyah", "marrat"), ("mayadin", "dhiban"), ("al_bukamal", "al_susah")]
    roads = "".join(f"  - {{from: {a}, to: {b}}}\n" for a, b in crossings)
    path.write_text(f"extends: {BASE}\nformat: 1\nname: v\nhighways:\n{roads}"
                    "  - {from: mayadin, to: al_quriyah}\n")
    loaded = load_scenario(path)
    assert len(loaded.scenario.highways) == 6
    base_roads = len(load_scenario(BASE).scenario.highways)
    assert f"{path}:5: highways: warning: this list replaces all {base_roads} highways of the " \
        "base (6 given; " \
        "a list whose items have no ids replaces the base's list): list every road, or leave " \
        "highways out to keep the base's" in map(str, loaded.warnings)


# ------------------------------------------------------------------ 5: seeds
@pytest.mark.parametrize("seed", ["-1", "9223372036854775808", "1.5", "x"])
def test_a_seed_out_of_range_is_a_usage_error(capsys, seed):
    with pytest.raises(SystemExit) as info:
        main(["run", str(DATA / "line.yaml"), "--seed", seed])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "frontline run: error: argument --seed: must be" in err and "Traceback" not in err
