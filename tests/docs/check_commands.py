#!/usr/bin/python3
"""Runs the commands that README.md, docs/cli.md and docs/config.md show, and checks their output.

Usage: check_commands.py MLP SOURCE_DIR [--regenerate] [DOC ...]

MLP is the built `mlp` binary; DOC defaults to README.md docs/cli.md docs/config.md (relative to
SOURCE_DIR). Each document runs in its own temporary directory that holds a copy of examples/,
with `mlp` on PATH resolving to MLP; its blocks run in document order, so a later block sees
what an earlier one wrote (runs/iris/ after `mlp train examples/iris.toml`).

Fenced blocks:

- ```sh: every line (a trailing backslash continues it) is run with bash; it must exit 0.
- ```console: a line `$ COMMAND` is run; the lines up to the next `$ ` are its expected output
  (standard output and standard error together, as a terminal shows them). A line that is just
  `…` stands for any number of lines, a `…` inside a line for any text. The text around the
  numbers must be the same (runs of spaces match any run of spaces); an integer must be equal,
  a number with a decimal point or an exponent within the tolerance (default: 5 % relative or
  0.001 absolute, whichever is larger).
- other languages are not run, unless a marker says what to do with them.

Markers: an HTML comment on its own line right before a block, invisible in the rendered page:

  <!-- docs-test: file NAME -->        write the block's text to NAME in the work directory
  <!-- docs-test: source PATH -->      the block must be exactly the file PATH (of SOURCE_DIR)
  <!-- docs-test: setup COMMAND -->    run COMMAND (bash, in the work directory, with
                                       $MLP_SOURCE_DIR set) before the block
  <!-- docs-test: tolerance REL -->    relative tolerance of the block's numbers
  <!-- docs-test: skip REASON -->      do not run the block; the reason is printed

A command that fails because the build has no ONNX support (MLP_ONNX=OFF) is listed as skipped.

--regenerate rewrites the expected output of every console block from the actual output
(numbers replaced, `…` kept where the text around them still matches; a changed line is taken
as printed, so put `…` back where the value depends on the machine, such as times) and the
text of every `source` block from its file, then prints the diff. Review it with `git diff`.

Exit status: 0 all blocks pass, 1 a block failed (each failure shows the command, its exit
status and a diff from the documented to the actual output), 2 usage error.
Python standard library only.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DOCS = ["README.md", "docs/cli.md", "docs/config.md"]
MARKER_RE = re.compile(r"^<!--\s*docs-test:\s*(\w+)\s*(.*?)\s*-->\s*$")
FENCE_RE = re.compile(r"^```(\S*)\s*$")
NUMBER_RE = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
ELLIPSIS = "…"
NO_ONNX = "has no ONNX support"
DEFAULT_REL_TOL = 0.05
ABS_TOL = 1e-3
COMMAND_TIMEOUT = 600


@dataclass
class Block:
    lang: str
    start: int  # index of the first line inside the fence
    end: int  # index of the closing fence
    lines: list[str]
    markers: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, argument, line)


def parse_blocks(text: str, doc: str) -> list[Block]:
    lines = text.split("\n")
    blocks: list[Block] = []
    pending: list[tuple[str, str, int]] = []
    i = 0
    while i < len(lines):
        m = MARKER_RE.match(lines[i])
        if m:
            pending.append((m.group(1), m.group(2), i + 1))
            i += 1
            continue
        f = FENCE_RE.match(lines[i])
        if f:
            j = i + 1
            while j < len(lines) and lines[j].rstrip() != "```":
                j += 1
            if j == len(lines):
                raise SystemExit(f"{doc}:{i + 1}: unterminated code block")
            blocks.append(Block(f.group(1), i + 1, j, lines[i + 1:j], pending))
            pending = []
            i = j + 1
            continue
        if lines[i].strip() and pending:
            kinds = ", ".join(k for k, _, _ in pending)
            raise SystemExit(f"{doc}:{pending[0][2]}: docs-test marker ({kinds}) not followed by a code block")
        i += 1
    for kind, _, line in (m for b in blocks for m in b.markers):
        if kind not in ("file", "source", "setup", "tolerance", "skip"):
            raise SystemExit(f"{doc}:{line}: unknown docs-test marker '{kind}'")
    return blocks


# ---- matching one output line -------------------------------------------------------------

def line_pattern(expected: str) -> re.Pattern[str]:
    """A regex for an expected line: numbers captured, `…` any text, spaces any run of spaces."""
    parts = []
    pos = 0
    text = expected.rstrip()
    token = re.compile(rf"({NUMBER_RE.pattern})|({ELLIPSIS})|(\s+)")
    for m in token.finditer(text):
        parts.append(re.escape(text[pos:m.start()]))
        if m.group(1):
            parts.append(f"({NUMBER_RE.pattern})")
        elif m.group(2):
            parts.append("(?:.*?)")
        else:
            parts.append(r"\s+")
        pos = m.end()
    parts.append(re.escape(text[pos:]))
    return re.compile("".join(parts) + r"\s*")


def numbers_close(expected: str, actual: str, rel_tol: float) -> bool:
    if rel_tol == float("inf"):
        return True
    if not re.search(r"[.eE]", expected) and not re.search(r"[.eE]", actual):
        return int(expected) == int(actual)
    e, a = float(expected), float(actual)
    return abs(a - e) <= max(ABS_TOL, rel_tol * abs(e))


def match_line(expected: str, actual: str, rel_tol: float) -> str:
    """'ok', 'numbers' (same text, a number out of tolerance) or 'text'."""
    m = line_pattern(expected).fullmatch(actual.rstrip())
    if not m:
        return "text"
    exp_numbers = NUMBER_RE.findall(expected.rstrip())
    exp_numbers = [n for n in exp_numbers]
    got = [g for g in m.groups()]
    if len(got) != len(exp_numbers):
        return "text"
    return "ok" if all(numbers_close(e, a, rel_tol) for e, a in zip(exp_numbers, got)) else "numbers"


def regenerate_line(expected: str, actual: str) -> str:
    """The expected line with the actual numbers when it has a `…` and the text around them
    matches (the `…` is kept); else the actual line."""
    m = line_pattern(expected).fullmatch(actual.rstrip())
    if not m or ELLIPSIS not in expected:
        return actual.rstrip()
    numbers = iter(m.groups())
    return NUMBER_RE.sub(lambda _: next(numbers), expected.rstrip())


# ---- matching a command's output ----------------------------------------------------------

def is_gap(line: str) -> bool:
    return line.strip() in (ELLIPSIS,)


def match_output(expected: list[str], actual: list[str], rel_tol: float) -> list[int] | None:
    """Aligns expected lines (with gap lines) to actual lines: for each expected line the index
    of its actual line (-1 for a gap), or None when they do not match."""
    memo: dict[tuple[int, int], list[int] | None] = {}

    def go(i: int, j: int) -> list[int] | None:
        key = (i, j)
        if key in memo:
            return memo[key]
        result: list[int] | None = None
        if i == len(expected):
            result = [] if j == len(actual) else None
        elif is_gap(expected[i]):
            for k in range(j, len(actual) + 1):
                rest = go(i + 1, k)
                if rest is not None:
                    result = [-1] + rest
                    break
        elif j < len(actual) and match_line(expected[i], actual[j], rel_tol) == "ok":
            rest = go(i + 1, j + 1)
            if rest is not None:
                result = [j] + rest
        memo[key] = result
        return result

    sys.setrecursionlimit(max(10000, 4 * (len(expected) + len(actual))))
    return go(0, 0)


def regenerate_output(expected: list[str], actual: list[str]) -> list[str]:
    if not expected:
        return []
    # First by the lines' text alone (numbers ignored): keeps the gaps where they were.
    alignment = match_output(expected, actual, rel_tol=float("inf"))
    if alignment is not None:
        return [e if j < 0 else regenerate_line(e, actual[j]) for e, j in zip(expected, alignment)]
    gaps = [k for k, e in enumerate(expected) if is_gap(e)]
    if not gaps:
        return align_segment(expected, actual)
    # The lines before the first gap are matched from the start of the output, the lines after
    # the last gap from its end; lines between two gaps are kept where they still match.
    head = expected[:gaps[0]]
    tail = expected[gaps[-1] + 1:]
    head_out, used = align_prefix(head, actual)
    tail_out, tail_used = align_prefix(tail[::-1], actual[used:][::-1])
    tail_out.reverse()
    middle = [e for e in expected[gaps[0] + 1:gaps[-1]] if not is_gap(e)]
    rest = actual[used:len(actual) - tail_used]
    middle_out = []
    for e in middle:
        hit = next((a for a in rest if match_line(e, a, float("inf")) == "ok"), None)
        if hit is not None:
            middle_out += [ELLIPSIS, regenerate_line(e, hit)]
    return head_out + middle_out + [expected[gaps[0]]] + tail_out


LOOKAHEAD = 5


def align_prefix(expected: list[str], actual: list[str]) -> tuple[list[str], int]:
    """Regenerates `expected` from the start of `actual`: an expected line takes the next actual
    line with the same text (numbers aside) within LOOKAHEAD lines, the lines skipped on the way
    (new lines of output) are taken as printed, and a line with no match is replaced by the next
    actual line. Returns the lines and how many actual lines they used."""
    out: list[str] = []
    j = 0
    for e in expected:
        if j >= len(actual):
            break
        hit = next((k for k in range(j, min(j + LOOKAHEAD, len(actual)))
                    if match_line(e, actual[k], float("inf")) == "ok"), None)
        if hit is None:  # the text changed: the most similar line, if one is similar enough
            window = range(j, min(j + LOOKAHEAD, len(actual)))
            ratio = {k: difflib.SequenceMatcher(None, NUMBER_RE.sub("#", e),
                                                NUMBER_RE.sub("#", actual[k])).ratio() for k in window}
            best = max(window, key=lambda k: ratio[k])
            hit = best if ratio[best] >= 0.6 else j
            out += [a.rstrip() for a in actual[j:hit + 1]]
            j = hit + 1
        else:
            out += [a.rstrip() for a in actual[j:hit]]
            out.append(regenerate_line(e, actual[hit]))
            j = hit + 1
    return out, j


def align_segment(expected: list[str], actual: list[str]) -> list[str]:
    out, used = align_prefix(expected, actual)
    return out + [a.rstrip() for a in actual[used:]]


# ---- running ------------------------------------------------------------------------------

@dataclass
class Command:
    text: str  # as shown, continuation lines joined with "\n"
    line: int  # 1-based line of the document
    expected: list[str]
    expected_start: int  # index into Block.lines of the first expected line


def console_commands(block: Block) -> tuple[list[str], list[Command]]:
    """Lines before the first `$ ` (prelude, kept) and the commands with their outputs."""
    prelude: list[str] = []
    commands: list[Command] = []
    k = 0
    lines = block.lines
    while k < len(lines):
        if lines[k].startswith("$ "):
            text = lines[k][2:]
            line = block.start + k + 1
            while text.endswith("\\") and k + 1 < len(lines):
                k += 1
                text += "\n" + lines[k]
            k += 1
            start = k
            while k < len(lines) and not lines[k].startswith("$ "):
                k += 1
            commands.append(Command(text, line, lines[start:k], start))
        else:
            if commands:
                raise AssertionError("unreachable")
            prelude.append(lines[k])
            k += 1
    return prelude, commands


def sh_commands(block: Block) -> list[Command]:
    commands: list[Command] = []
    k = 0
    lines = block.lines
    while k < len(lines):
        if not lines[k].strip() or lines[k].lstrip().startswith("#"):
            k += 1
            continue
        text, line = lines[k], block.start + k + 1
        while text.rstrip().endswith("\\") and k + 1 < len(lines):
            k += 1
            text += "\n" + lines[k]
        k += 1
        commands.append(Command(text, line, [], k))
    return commands


class Runner:
    def __init__(self, mlp: Path, source: Path, regenerate: bool):
        self.mlp = mlp
        self.source = source
        self.regenerate = regenerate
        self.failures: list[str] = []
        self.skipped: list[str] = []
        self.ran = 0

    def env(self, work: Path) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{work / '.bin'}{os.pathsep}{env.get('PATH', '')}"
        env["MLP_SOURCE_DIR"] = str(self.source)
        env["NO_COLOR"] = "1"
        env["TERM"] = "dumb"
        env["LC_ALL"] = "C.UTF-8"
        return env

    def run(self, command: str, work: Path) -> tuple[int, list[str]]:
        p = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=work, env=self.env(work),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT)
        text = p.stdout.decode("utf-8", "replace")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return p.returncode, lines

    def check_doc(self, doc: str) -> None:
        path = self.source / doc
        text = path.read_text(encoding="utf-8")
        blocks = parse_blocks(text, doc)
        doc_lines = text.split("\n")
        replacements: list[tuple[int, int, list[str]]] = []  # (start, end, new block lines)
        with tempfile.TemporaryDirectory(prefix="mlp-docs-") as tmp:
            work = Path(tmp)
            shutil.copytree(self.source / "examples", work / "examples",
                            ignore=shutil.ignore_patterns("*.cpp", "CMakeLists.txt"))
            (work / ".bin").mkdir()
            (work / ".bin" / "mlp").symlink_to(self.mlp)
            for b in blocks:
                new = self.check_block(doc, b, work)
                if new is not None and new != b.lines:
                    replacements.append((b.start, b.end, new))
        if self.regenerate and replacements:
            for start, end, new in sorted(replacements, reverse=True):
                doc_lines[start:end] = new
            new_text = "\n".join(doc_lines)
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(True), new_text.splitlines(True), f"a/{doc}", f"b/{doc}"))
            path.write_text(new_text, encoding="utf-8")

    def check_block(self, doc: str, b: Block, work: Path) -> list[str] | None:
        where = f"{doc}:{b.start}"
        markers = {k: v for k, v, _ in b.markers}
        if "skip" in markers:
            self.skipped.append(f"{where}: {b.lang or 'text'} block: {markers['skip']}")
            return None
        for kind, arg, line in b.markers:
            if kind == "setup":
                rc, out = self.run(arg, work)
                if rc != 0:
                    self.fail(f"{doc}:{line}: setup `{arg}` exited {rc}", out)
                    return None
        if "file" in markers:
            (work / markers["file"]).write_text("\n".join(b.lines) + "\n", encoding="utf-8")
        if "source" in markers:
            want = (self.source / markers["source"]).read_text(encoding="utf-8").rstrip("\n").split("\n")
            self.ran += 1
            if b.lines != want:
                if self.regenerate:
                    return want
                self.fail(f"{where}: the block differs from {markers['source']} (the document must show "
                          f"exactly that file)", list(difflib.unified_diff(
                              b.lines, want, doc, markers["source"], lineterm="")))
            return None
        rel_tol = float(markers.get("tolerance", DEFAULT_REL_TOL))
        if b.lang == "sh":
            for c in sh_commands(b):
                self.run_command(doc, c, work, rel_tol)
            return None
        if b.lang == "console":
            prelude, commands = console_commands(b)
            if prelude and any(l.strip() for l in prelude):
                self.fail(f"{where}: console block must start with a `$ ` command line", prelude)
                return None
            new = list(prelude)
            for c in commands:
                regenerated = self.run_command(doc, c, work, rel_tol)
                new += b.lines[c.expected_start - 1 - c.text.count("\n"):c.expected_start]
                new += regenerated if regenerated is not None else c.expected
            return new
        return None

    def run_command(self, doc: str, c: Command, work: Path, rel_tol: float) -> list[str] | None:
        where = f"{doc}:{c.line}"
        rc, out = self.run(c.text, work)
        if rc != 0 and any(NO_ONNX in l for l in out):
            self.skipped.append(f"{where}: `{c.text}`: this build has no ONNX support")
            return None
        self.ran += 1
        shown = c.text.replace("\n", " ")
        if rc != 0:
            self.fail(f"{where}: `{shown}` exited {rc}", out)
            return None
        if not c.expected:
            return []
        regenerated = regenerate_output(c.expected, out)
        if match_output(c.expected, out, rel_tol) is None and not self.regenerate:
            diff = list(difflib.unified_diff(c.expected, regenerated, "documented", "actual", lineterm=""))
            self.fail(f"{where}: `{shown}`: the output differs from the documented output "
                      f"(numbers within {rel_tol:g} relative; regenerate with --regenerate)",
                      diff + ["--- full actual output:"] + out[:80])
        return regenerated

    def fail(self, message: str, detail: list[str]) -> None:
        self.failures.append(message)
        print(f"FAIL {message}")
        for l in detail:
            print(f"    {l}")


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if a != "--regenerate"]
    if len(args) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    mlp = Path(args[0]).resolve()
    source = Path(args[1]).resolve()
    docs = args[2:] or DEFAULT_DOCS
    runner = Runner(mlp, source, "--regenerate" in argv)
    for doc in docs:
        runner.check_doc(doc)
    for s in runner.skipped:
        print(f"skipped {s}")
    print(f"{runner.ran} commands and sources checked in {', '.join(docs)}; "
          f"{len(runner.skipped)} skipped; {len(runner.failures)} failed")
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
