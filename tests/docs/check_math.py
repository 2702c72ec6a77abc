#!/usr/bin/python3
"""Keeps docs/math.md honest: every function and test it names must exist.

Usage: check_math.py SOURCE_DIR [MATH_MD]

docs/math.md holds tables whose header row is exactly

    | equation | function | test |

In those rows:

- a function cell is one or more groups separated by ';', each group a backticked path
  relative to SOURCE_DIR, a middle dot, and one or more backticked names separated by ',':
      `src/nn/activation.cpp` · `activation_forward`, `activation_backward`
  A name is an identifier (`relu_grad`) or `Class::member`. The file must exist and, outside
  its comments, define or register the name: a function definition with its body, a class,
  struct or enum, a variable or constant with an initializer, a #define, or the argument of a
  registration macro such as X(name) — a mere call does not count. For `Class::member` either
  `Class<T>::member(...) {` occurs, or both the class and a definition of the member do (a
  member defined inside its class).
- a test cell is one or more backticked ctest names separated by ',':
      `nn.GraphOps.GradcheckActivations`, `cli.analysis`
  `area.Suite.Name` must be TEST/TEST_F/TEST_P/TYPED_TEST/RC_GTEST_PROP(Suite, Name, ...) in
  tests/<area>/*.cpp (gtest tests are registered as <area>.<Suite>.<Name>); `cli.<script>`
  must be tests/cli_scripts/<script>.sh; any other name must be an add_test(NAME <name> ...)
  in a CMakeLists.txt of the source tree (a ${variable} in that name matches one word).
- a cell that is exactly '—' says "none" (the row is counted as unmapped and listed).

Anything else in a function or test cell is a format error. The check fails (exit 1) on a
missing file, name or test, on a format error, and when the document references nothing at all.
Python standard library only.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

HEADER = ["equation", "function", "test"]
NONE_CELL = "—"
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
NAME_RE = re.compile(rf"^{IDENT}(::{IDENT})*$")
TEST_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$")
GROUP_RE = re.compile(r"^`([^`]+)`\s*·\s*(`[^`]+`(?:\s*,\s*`[^`]+`)*)$")
GTEST_MACROS = r"(?:TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P|RC_GTEST_PROP|RC_GTEST_FIXTURE_PROP)"


def strip_comments(text: str) -> str:
    """C/C++ source without // and /* */ comments (string literals kept, comments inside them
    are rare enough in this tree to ignore)."""
    out = []
    i, n = 0, len(text)
    in_str = None
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == in_str:
                in_str = None
            i += 1
            continue
        if c in "\"'":
            # A digit separator (10'000) is not a character literal.
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(c)
                i += 1
                continue
            in_str = c
            out.append(c)
            i += 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
            continue
        out.append(c)
        i += 1
    return "".join(out)


def split_row(line: str) -> list[str]:
    """Cells of a markdown table row; '\\|' is a literal pipe inside a cell."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]


class Checker:
    def __init__(self, root: Path):
        self.root = root
        self.sources: dict[Path, str | None] = {}
        self.errors: list[str] = []
        self.function_refs = 0
        self.test_refs = 0
        self.rows = 0
        self.unmapped: list[str] = []
        self._add_tests: list[re.Pattern[str]] | None = None

    # ---- files and names ----------------------------------------------------------------
    def source(self, rel: str) -> str | None:
        path = (self.root / rel).resolve()
        if path not in self.sources:
            ok = path.is_file() and self.root.resolve() in path.parents
            self.sources[path] = strip_comments(path.read_text(encoding="utf-8", errors="replace")) if ok else None
        return self.sources[path]

    @staticmethod
    def has_identifier(text: str, name: str) -> bool:
        return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None

    # A parameter list: parentheses holding no ';' '{' '}', with one level of nested parentheses.
    PARAMS = r"\((?:[^;{}()]|\([^;{}()]*\))*\)"
    # After the parameters of a definition: qualifiers, a trailing return type or a constructor's
    # initializer list, then the body.
    BODY = r"\s*(?:(?:const|noexcept|override|final|mutable|&|&&)\s*)*(?:->[^;{]*)?(?::[^;]*?)?\{"
    TEMPLATE_ARGS = r"(?:\s*<[^;{}()]*?>)?"

    def defines(self, text: str, name: str) -> bool:
        """Whether `text` defines or registers `name`: a function definition (with its body), a
        class/struct/enum, a variable or constant with an initializer, a macro, or an argument
        of a registration macro such as X(name)."""
        n = re.escape(name)
        start = r"(?<![A-Za-z0-9_.>])"  # not part of a longer name, not a member access a.n / a->n
        patterns = [
            rf"{start}~?{n}{self.TEMPLATE_ARGS}\s*{self.PARAMS}{self.BODY}",
            rf"\b(?:class|struct|union|enum(?:\s+class)?)\s+(?:[A-Za-z_]\w*\s+)*{n}(?![A-Za-z0-9_])\s*(?:final\s*)?[:{{]",
            rf"[A-Za-z0-9_>&*\]]\s+{n}\s*(?:\[[^\]]*\])?\s*(?:\{{|=(?!=))",
            rf"#\s*define\s+{n}\b",
            rf"\b[A-Z][A-Z0-9_]*\s*\(\s*{n}\s*\)",
        ]
        return any(re.search(p, text) for p in patterns)

    def has_name(self, text: str, name: str) -> bool:
        parts = name.split("::")
        if len(parts) == 1:
            return self.defines(text, name)
        # Class<T>::member(...) { ... }: a definition outside the class.
        qualified = r"\s*::\s*".join(
            rf"(?<![A-Za-z0-9_]){re.escape(p)}{self.TEMPLATE_ARGS}" for p in parts[:-1])
        qualified += rf"\s*::\s*~?{re.escape(parts[-1])}{self.TEMPLATE_ARGS}\s*{self.PARAMS}{self.BODY}"
        if re.search(qualified, text):
            return True
        # A member defined inside its class: the class and a definition of the member.
        return all(self.defines(text, p) for p in parts)

    # ---- tests --------------------------------------------------------------------------
    def cmake_lists(self) -> list[Path]:
        """The CMakeLists.txt of the source tree, not looking into build trees or runs."""
        found = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if not (d.startswith(("build", ".")) or d in ("out", "runs"))]
            if "CMakeLists.txt" in filenames:
                found.append(Path(dirpath) / "CMakeLists.txt")
        return found

    def add_tests(self) -> list[re.Pattern[str]]:
        """add_test(NAME ...) of every CMakeLists.txt; a ${variable} in a name matches any word."""
        if self._add_tests is None:
            names: list[re.Pattern[str]] = []
            for cm in self.cmake_lists():
                for m in re.finditer(r"add_test\s*\(\s*NAME\s+([^\s)]+)", cm.read_text(encoding="utf-8", errors="replace")):
                    parts = re.split(r"\$\{[^}]*\}", m.group(1))
                    names.append(re.compile("[A-Za-z0-9_-]+".join(re.escape(p) for p in parts)))
            self._add_tests = names
        return self._add_tests

    def test_exists(self, name: str) -> tuple[bool, str]:
        parts = name.split(".")
        area = parts[0]
        if area == "cli" and len(parts) == 2:
            script = self.root / "tests" / "cli_scripts" / f"{parts[1]}.sh"
            return script.is_file() and parts[1] != "lib", f"tests/cli_scripts/{parts[1]}.sh"
        area_dir = self.root / "tests" / area
        cpps = sorted(area_dir.glob("*.cpp")) if area_dir.is_dir() else []
        if len(parts) == 3 and cpps:
            suite, test = parts[1], parts[2]
            pattern = re.compile(rf"(?<![A-Za-z0-9_]){GTEST_MACROS}\s*\(\s*{re.escape(suite)}\s*,\s*{re.escape(test)}\s*[,)]")
            for cpp in cpps:
                if pattern.search(self.source(str(cpp.relative_to(self.root))) or ""):
                    return True, ""
            return False, f"no TEST({parts[1]}, {parts[2]}) in tests/{area}/*.cpp"
        if any(p.fullmatch(name) for p in self.add_tests()):
            return True, ""
        return False, "no such gtest test, cli script or add_test(NAME ...)"

    # ---- the document -------------------------------------------------------------------
    def check_function_cell(self, where: str, cell: str) -> bool:
        if cell == NONE_CELL:
            return False
        ok_any = False
        for group in (g.strip() for g in cell.split(";")):
            m = GROUP_RE.match(group)
            if not m:
                self.errors.append(f"{where}: function cell: cannot read '{group}' "
                                   "(expected `path` · `name`[, `name`…][; …] or —)")
                continue
            path = m.group(1)
            names = re.findall(r"`([^`]+)`", m.group(2))
            text = self.source(path)
            for name in names:
                self.function_refs += 1
                ok_any = True
                if not NAME_RE.match(name):
                    self.errors.append(f"{where}: '{name}' is not an identifier or Class::member")
                elif text is None:
                    self.errors.append(f"{where}: file {path} does not exist (for {name})")
                elif not self.has_name(text, name):
                    self.errors.append(f"{where}: {path} does not define {name}")
        return ok_any

    def check_test_cell(self, where: str, cell: str) -> bool:
        if cell == NONE_CELL:
            return False
        ok_any = False
        items = [i.strip() for i in cell.split(",")]
        for item in items:
            m = re.fullmatch(r"`([^`]+)`", item)
            if not m or not TEST_RE.match(m.group(1)):
                self.errors.append(f"{where}: test cell: cannot read '{item}' "
                                   "(expected `area.Suite.Name` or `cli.script`, comma-separated, or —)")
                continue
            self.test_refs += 1
            ok_any = True
            exists, why = self.test_exists(m.group(1))
            if not exists:
                self.errors.append(f"{where}: test {m.group(1)} does not exist ({why})")
        return ok_any

    def check(self, doc: Path) -> None:
        lines = doc.read_text(encoding="utf-8").splitlines()
        in_table = False
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if not stripped.startswith("|"):
                in_table = False
                continue
            cells = split_row(stripped)
            if [c.lower() for c in cells] == HEADER:
                in_table = True
                continue
            if not in_table or all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                continue
            where = f"{doc.name}:{number}"
            if len(cells) != 3:
                self.errors.append(f"{where}: expected 3 cells, found {len(cells)}")
                continue
            self.rows += 1
            has_function = self.check_function_cell(where, cells[1])
            has_test = self.check_test_cell(where, cells[2])
            if not has_function or not has_test:
                missing = " and ".join(w for w, h in (("function", has_function), ("test", has_test)) if not h)
                self.unmapped.append(f"{where}: no {missing}: {cells[0][:70]}")


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = Path(argv[1])
    doc = Path(argv[2]) if len(argv) == 3 else root / "docs" / "math.md"
    if not doc.is_file():
        print(f"check_math: {doc}: no such file", file=sys.stderr)
        return 1
    c = Checker(root)
    c.check(doc)
    refs = c.function_refs + c.test_refs
    print(f"check_math: {doc}: {c.rows} rows, {refs} references checked "
          f"({c.function_refs} functions, {c.test_refs} tests)")
    if c.unmapped:
        print(f"check_math: {len(c.unmapped)} rows without a function or a test (marked —):")
        for u in c.unmapped:
            print(f"  {u}")
    if refs == 0:
        c.errors.append(f"{doc.name}: no references found — expected tables with the header "
                        "'| equation | function | test |'")
    if c.errors:
        print(f"check_math: FAILED, {len(c.errors)} problem(s):")
        for e in c.errors:
            print(f"  {e}")
        return 1
    print("check_math: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
