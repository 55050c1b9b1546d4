"""Detects a looping generation while it streams: a JSON key or a line repeated, or endless whitespace.

Small models under a JSON-Schema grammar often loop: they write one key again and again (or the
same line, or whitespace) until the context is full. :class:`LoopGuard` reads the answer as it
arrives and reports the first sign of such a loop with the position where it was seen, so the
client can stop the stream there and send the model a finding it can act on.

Signs (each one alone never occurs in a sound five-element document):

* the same key written ``key_repeats`` times in one JSON object;
* a phrase (``phrase_min`` to ``phrase_max`` characters, with a letter in it) written
  ``phrase_repeats`` times in a row inside one JSON string (a description that keeps saying
  "but it can only make 120 chairs and 120 tables, " is how SmolLM2 loops under a schema);
* the same line (with letters or digits) written ``line_repeats`` times in a row;
* ``whitespace_run`` whitespace characters in a row;
* ``count_run`` consecutive integers in a row in one JSON array (Qwen2.5-Coder-1.5B listed a set
  ``"days": [1, 2, 3, …]`` until ``max_tokens`` on MAMO ComplexLP 28; a range says it in one entry).

Example:
    >>> guard = LoopGuard()
    >>> guard.feed('{"parameters": {"cost": 1, "cost": 1, "cost": 1, ') is not None
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LoopFinding", "LoopGuard", "find_loop"]


@dataclass(frozen=True)
class LoopFinding:
    """Where and how an answer started looping.

    Attributes:
        kind: ``repeated_key``, ``repeated_phrase``, ``repeated_line``, ``counting`` or ``whitespace``.
        position: characters of the answer read when the loop was recognized (the answer is cut there).
        detail: the repeated key or line.
        where: the path of the JSON object holding the repeated key (``parameters → cost``), if any.
        count: how many times it was repeated.
    """

    kind: str
    position: int
    detail: str = ""
    where: str = ""
    count: int = 0

    def message(self) -> str:
        """The finding in words, for the model's next round."""
        if self.kind == "repeated_key":
            place = f" (inside {self.where})" if self.where else ""
            return (f"Your answer was stopped because it was looping: it wrote the key \"{self.detail}\" {self.count} times in "
                    f"the same JSON object{place}. A key appears once per object; give each table's values once.")
        if self.kind == "repeated_phrase":
            place = f" (inside {self.where})" if self.where else ""
            return (f"Your answer was stopped because it was looping: a text value{place} repeated "
                    f"\"{self.detail.strip()[:120]}\" {self.count} times in a row. Keep descriptions to one short sentence.")
        if self.kind == "counting":
            place = f" (inside {self.where})" if self.where else ""
            return (f"Your answer was stopped because it was listing integers one by one{place}: {self.detail} "
                    f"({self.count} so far). Write a range of integers as {{\"from\": first, \"to\": last}} with the numbers "
                    "the problem gives, or index by the set that is meant.")
        if self.kind == "repeated_line":
            return (f"Your answer was stopped because it was looping: the line `{self.detail[:120]}` was repeated "
                    f"{self.count} times in a row.")
        return (f"Your answer was stopped because it was looping: it wrote {self.count} whitespace characters in a row "
                "instead of the model.")


@dataclass
class _Container:
    kind: str  # "{" or "["
    key: str | None  # the key this container is the value of, in its parent object
    keys: dict[str, int] = field(default_factory=dict)
    expecting_key: bool = True
    last_integer: int | None = None  # in an array: the last element, when it was an integer
    run: int = 0  # in an array: consecutive integers (each one more than the last) ending here


class LoopGuard:
    """Feed the answer chunk by chunk; :meth:`feed` returns a :class:`LoopFinding` once a loop is seen."""

    def __init__(self, key_repeats: int = 3, line_repeats: int = 10, whitespace_run: int = 200, phrase_repeats: int = 3,
                 phrase_min: int = 12, phrase_max: int = 200, count_run: int = 60) -> None:
        self.key_repeats = key_repeats
        self.phrase_repeats = phrase_repeats
        self.phrase_min = phrase_min
        self.phrase_max = phrase_max
        self.line_repeats = line_repeats
        self.whitespace_run = whitespace_run
        self.count_run = count_run
        self._element: list[str] = []  # the array element being read, outside strings
        self.finding: LoopFinding | None = None
        self._position = 0
        self._stack: list[_Container] = []
        self._in_string = False
        self._escape = False
        self._string: list[str] = []
        self._pending_key: str | None = None  # the last key read, waiting for its value
        self._line: list[str] = []
        self._previous_line: str | None = None
        self._line_count = 0
        self._spaces = 0

    # -- JSON structure -----------------------------------------------------------------------

    def _path(self) -> str:
        return " → ".join(item.key for item in self._stack if item.key is not None)

    def _string_done(self, text: str) -> LoopFinding | None:
        top = self._stack[-1] if self._stack else None
        if top is None or top.kind != "{" or not top.expecting_key:
            return None
        top.expecting_key = False
        self._pending_key = text
        top.keys[text] = top.keys.get(text, 0) + 1
        if top.keys[text] >= self.key_repeats:
            return LoopFinding("repeated_key", self._position, text, self._path(), top.keys[text])
        return None

    def _repeated_phrase(self) -> LoopFinding | None:
        """A phrase repeated ``phrase_repeats`` times at the end of the string being read."""
        length = len(self._string)
        longest = min(self.phrase_max, length // self.phrase_repeats)
        if longest < self.phrase_min:
            return None
        tail = "".join(self._string[-longest * self.phrase_repeats:])
        last = len(tail) - 1
        # A repeated phrase ends, like this one, with the boundary character just read: try only those lengths.
        earlier = tail.rfind(tail[-1], 0, last - self.phrase_min + 1)
        while earlier >= 0 and last - earlier <= longest:
            size = last - earlier
            earlier = tail.rfind(tail[-1], 0, earlier)
            phrase = tail[-size:]
            if tail.endswith(phrase * self.phrase_repeats) and any(item.isalpha() for item in phrase):
                top = self._stack[-1] if self._stack else None
                where = " → ".join(filter(None, [self._path(), self._pending_key if top is not None and top.kind == "{" else None]))
                return LoopFinding("repeated_phrase", self._position, phrase, where, self.phrase_repeats)
        return None

    def _element_done(self) -> LoopFinding | None:
        """Count an array element that ended: a run of integers each one more than the last is a listing."""
        top = self._stack[-1] if self._stack else None
        text, self._element = "".join(self._element).strip(), []
        if top is None or top.kind != "[":
            return None
        value = int(text) if text.lstrip("-").isdigit() else None
        top.run = top.run + 1 if value is not None and top.last_integer is not None and value == top.last_integer + 1 else int(value is not None)
        top.last_integer = value
        if value is not None and top.run >= self.count_run:
            first = value - top.run + 1
            return LoopFinding("counting", self._position, f"{first}, {first + 1}, {first + 2}, …, {value}", self._path(), top.run)
        return None

    def _structure(self, char: str) -> LoopFinding | None:
        if self._in_string:
            if self._escape:
                self._escape = False
                self._string.append(char)
            elif char == "\\":
                self._escape = True
            elif char == '"':
                self._in_string = False
                return self._string_done("".join(self._string))
            else:
                self._string.append(char)
                if not char.isalnum():  # phrases end at a space or a punctuation mark
                    return self._repeated_phrase()
            return None
        if char == '"':
            self._in_string, self._string = True, []
        elif char in "{[":
            parent = self._stack[-1] if self._stack else None
            key = self._pending_key if parent is not None and parent.kind == "{" else None
            self._stack.append(_Container(char, key))
            self._pending_key = None
        elif char in "}]":
            found = self._element_done() if char == "]" else None
            if self._stack:
                self._stack.pop()
            self._pending_key = None
            return found
        elif char == "," and self._stack:
            self._stack[-1].expecting_key = True
            self._pending_key = None
            return self._element_done()
        elif self._stack and self._stack[-1].kind == "[":
            self._element.append(char)
        return None

    # -- lines and whitespace -----------------------------------------------------------------

    def _lines(self, char: str) -> LoopFinding | None:
        if char.isspace():
            self._spaces += 1
            if self._spaces >= self.whitespace_run:
                return LoopFinding("whitespace", self._position, count=self._spaces)
        else:
            self._spaces = 0
        if char != "\n":
            self._line.append(char)
            return None
        line = "".join(self._line).strip()
        self._line = []
        if not line:
            return None
        if line == self._previous_line:
            self._line_count += 1
        else:
            self._previous_line, self._line_count = line, 1
        if self._line_count >= self.line_repeats and any(item.isalnum() for item in line):
            return LoopFinding("repeated_line", self._position, line, count=self._line_count)
        return None

    # -- the public side ------------------------------------------------------------------------

    def feed(self, text: str) -> LoopFinding | None:
        """Read more of the answer; the first loop found (later calls return the same finding)."""
        if self.finding is not None:
            return self.finding
        for char in text:
            self._position += 1
            found = self._structure(char) or self._lines(char)
            if found is not None:
                self.finding = found
                return found
        return None


def find_loop(text: str, **thresholds: int) -> LoopFinding | None:
    """The first loop in a complete answer (the non-streaming case)."""
    return LoopGuard(**thresholds).feed(text)
