"""Code cells of a notebook's text export (`In [ ]:` markers) made into fenced code blocks.

A cell starts at a line `In [ ]:`, `In [None]:` or `In [12]:`. Inside it `# …` lines are
code comments and blank lines may occur. It ends at the next marker, at a Markdown heading
of level 2 or deeper, or at the first prose line after a blank line. Prose means a Markdown
list item, image, quote or table row, or a sentence: a capitalised word followed by at
least three more words and none of `= ; { }`.
"""

from __future__ import annotations

import ast
import json
import re

from ..fences import next_fence

CELL_MARKER = re.compile(r"^In \[(?:\s*|None|\d+)\]:\s*$")
CELL_ENDING_HEADING = re.compile(r"^ {0,3}#{2,6}[ \t]+\S")
PROSE_MARKUP = re.compile(r"^(?:[-*+] \S|\d+[.)] \S|!\[|> |\|)")
SENTENCE = re.compile(r"^[A-Z][a-z']+,?(?: +\S+){3,}")
CODE_PUNCTUATION = re.compile(r"[=;{}]")

DOCKER_INSTRUCTION = re.compile(
    r"^(FROM|RUN|CMD|COPY|ADD|WORKDIR|ENV|EXPOSE|ENTRYPOINT|ARG|LABEL|USER|VOLUME|HEALTHCHECK|SHELL|ONBUILD|STOPSIGNAL)\b")
HTTP_REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(https?://|/)\S*(\s+HTTP/\d(\.\d)?)?$")
SHELL_COMMAND = re.compile(r"^(\$ |sudo |[a-z][\w.-]*(\s|$))")


def is_prose(line: str) -> bool:
    if PROSE_MARKUP.match(line):
        return True
    return bool(SENTENCE.match(line)) and not CODE_PUNCTUATION.search(line)


def guess_language(code: str) -> str:
    """Name the code's language by a documented heuristic (Pygments' lexer names).

    In this order: Dockerfile (starts with FROM/ARG, every line an instruction), an HTTP
    request line, JSON (parses, once comment lines are dropped), Python (parses and has a
    statement or a call, not only bare expressions like `ls -la`), shell (starts with a command word), else plain text.
    """
    body = [line for line in code.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        return "text"
    first = body[0].strip()
    if re.match(r"^(FROM|ARG)\s", first) and all(
            DOCKER_INSTRUCTION.match(line) or line.startswith((" ", "\t")) for line in body):
        return "dockerfile"
    if HTTP_REQUEST.match(first):
        return "http"
    if first[:1] in "{[":
        try:
            json.loads("\n".join(body))
            return "json"
        except ValueError:
            pass
    if _is_python(code):
        return "python"
    if SHELL_COMMAND.match(first):
        return "bash"
    return "text"


def _is_python(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    # Shell lines like `ls` or `ls -la` parse as Python expressions: demand a statement or a call.
    return any(not isinstance(node, ast.Expr) or isinstance(node.value, ast.Call) for node in tree.body)


def fence_for(code_lines: list[str]) -> str:
    longest = max((len(run) for line in code_lines for run in re.findall(r"`{3,}", line)), default=0)
    return "`" * max(3, longest + 1)


def fence_code_cells(lines: list[str], origins: list[int]) -> tuple[list[str], list[int], int]:
    """Replace each code cell by a fenced block; return new lines, their origins, and the cell count."""
    out: list[str] = []
    out_origins: list[int] = []
    cells = 0
    index = 0
    open_fence: str | None = None
    while index < len(lines):
        line = lines[index]
        open_fence = next_fence(line, open_fence)
        if open_fence is not None or not CELL_MARKER.match(line):
            out.append(line)
            out_origins.append(origins[index])
            index += 1
            continue
        end = _cell_end(lines, index + 1)
        code = lines[index + 1:end]
        while code and not code[0].strip():
            code.pop(0)
        while code and not code[-1].strip():
            code.pop()
        if code:
            cells += 1
            fence = fence_for(code)
            first = next(i for i in range(index + 1, end) if lines[i].strip())
            code_origins = origins[first:first + len(code)]
            out += [f"{fence}{guess_language(chr(10).join(code))}", *code, fence, ""]
            out_origins += [origins[index], *code_origins, code_origins[-1], code_origins[-1]]
        index = end
    return out, out_origins, cells


def _cell_end(lines: list[str], start: int) -> int:
    after_blank = False
    for index in range(start, len(lines)):
        line = lines[index]
        if CELL_MARKER.match(line) or CELL_ENDING_HEADING.match(line):
            return index
        if after_blank and line.strip() and is_prose(line):
            return index
        after_blank = not line.strip()
    return len(lines)
