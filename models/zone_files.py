"""Reading zone files: the simple `code,name,kind,parent` CSV, and the Ministry of the Interior's
per-polling-station results files as published on data.gouv.fr. Pure: no database here; the
rows come out validated, or a ZoneFileError lists what is wrong, line by line and column by
column (see models/zone_import.py for the write)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from models.zones import CODE_MAX, NAME_MAX, ZoneKind, fold

# Past this many problems, a file is wrong in bulk: more lines would only hide the first ones.
MAX_PROBLEMS = 20
DELIMITERS = (";", ",", "\t")

KIND_WORDS: dict[str, ZoneKind] = {
    "commune": ZoneKind.COMMUNE,
    "ville": ZoneKind.COMMUNE,
    "neighbourhood": ZoneKind.NEIGHBOURHOOD,
    "neighborhood": ZoneKind.NEIGHBOURHOOD,
    "quartier": ZoneKind.NEIGHBOURHOOD,
    "polling station": ZoneKind.POLLING_STATION,
    "bureau": ZoneKind.POLLING_STATION,
    "bureau de vote": ZoneKind.POLLING_STATION,
    "bv": ZoneKind.POLLING_STATION,
    "street list": ZoneKind.STREET_LIST,
    "liste de rues": ZoneKind.STREET_LIST,
    "rues": ZoneKind.STREET_LIST,
}

# Header names, folded (see `column_key`), each format's columns under their known spellings:
# the 2024 files say "Code commune", older ones "Code de la commune".
SIMPLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("name", "nom"),
    "kind": ("kind", "type"),
    "parent": ("parent",),
    "target_doors": ("target doors", "objectif portes"),
    "target_leaflets": ("target leaflets", "objectif tracts"),
}
MINISTRY_COLUMNS: dict[str, tuple[str, ...]] = {
    "department": ("code departement", "code du departement"),
    "commune": ("code commune", "code de la commune"),
    "commune_name": ("libelle commune", "libelle de la commune"),
    "bv": ("code bv", "code du b vote", "code bureau de vote"),
    "bv_name": ("libelle bv", "libelle du bureau de vote", "libelle bureau de vote"),
    "registered": ("inscrits",),
}
INSEE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
BV_CODE = re.compile(r"^[0-9A-Z]{1,8}$")


class FileFormat(StrEnum):
    SIMPLE = "simple"
    MINISTRY = "ministry"


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ZoneFileError(Exception):
    """The file can't be loaded; `problems` says where and why (at most MAX_PROBLEMS, then
    `truncated`)."""

    def __init__(self, problems: list[Problem], truncated: bool = False) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems
        self.truncated = truncated


@dataclass
class ZoneRow:
    """One zone as the file describes it. `has_targets` / `has_parent`: the file has those
    columns, so an empty cell clears the value; without them, what is set is kept (a file of
    targets alone doesn't detach bureaux from their commune)."""

    line: int
    code: str
    name: str
    kind: ZoneKind
    parent: str | None = None
    parent_column: str | None = None
    target_doors: int | None = None
    target_leaflets: int | None = None
    registered_voters: int | None = None
    has_targets: bool = False
    has_parent: bool = True


@dataclass
class ZoneFile:
    format: FileFormat
    rows: list[ZoneRow]
    source_rows: int = 0
    encoding: str = "utf-8"


@dataclass
class ProblemList:
    found: list[Problem] = field(default_factory=list)
    truncated: bool = False

    def add(self, line: int | None, column: str | None, message: str) -> None:
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(Problem(line, column, message))
        else:
            self.truncated = True

    def raise_if_any(self) -> None:
        if self.found:
            raise ZoneFileError(self.found, self.truncated)


def column_key(header: str) -> str:
    """A header cell as matched against the known spellings: case, accents and punctuation
    ignored ("Code du b.vote" -> "code du b vote")."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(header)).split())


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in. The Ministry has published UTF-8 (with or without
    BOM) and Windows-1252 over the years; spreadsheets also save UTF-16."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise ZoneFileError([Problem(None, None, "not a CSV file (binary content)")])
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 maps every byte.
        return data.decode("latin-1"), "latin-1"


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each non-blank record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise ZoneFileError([Problem(reader.line_num, None, f"not valid CSV ({error})")]) from None


def _columns(header: list[str], known: dict[str, tuple[str, ...]]) -> dict[str, int]:
    keys = [column_key(cell) for cell in header]
    found: dict[str, int] = {}
    for name, spellings in known.items():
        for index, key in enumerate(keys):
            if key in spellings:
                found[name] = index
                break
    return found


def _sniff(text: str) -> tuple[str, FileFormat, list[str], dict[str, int]]:
    first = next(iter(text.splitlines()), "")
    if not first.strip():
        raise ZoneFileError([Problem(1, None, "the file is empty or starts with a blank line")])
    best: tuple[str, list[str]] = (",", [])
    for delimiter in DELIMITERS:
        header = next(csv.reader([first], delimiter=delimiter), [])
        ministry = _columns(header, MINISTRY_COLUMNS)
        if "commune" in ministry or "bv" in ministry:
            return delimiter, FileFormat.MINISTRY, header, ministry
        simple = _columns(header, SIMPLE_COLUMNS)
        if "code" in simple:
            return delimiter, FileFormat.SIMPLE, header, simple
        if len(header) > len(best[1]):
            best = (delimiter, header)
    raise ZoneFileError(
        [
            Problem(
                1,
                None,
                "not a zone file: expected a header 'code,name,kind,parent' or a Ministry "
                "results file with 'Code commune' and 'Code BV' columns",
            )
        ]
    )


def read_zone_file(path: Path) -> ZoneFile:
    """Parse and validate a whole file; raises ZoneFileError (OSError if unreadable)."""
    text, encoding = decode(path.read_bytes())
    return parse_zone_text(text, encoding)


def parse_zone_text(text: str, encoding: str = "utf-8") -> ZoneFile:
    delimiter, file_format, header, columns = _sniff(text)
    records = _records(text, delimiter)
    next(records)  # the header, already read
    if file_format is FileFormat.SIMPLE:
        rows, count = _simple_rows(records, header, columns)
    else:
        rows, count = _ministry_rows(records, header, columns)
    return ZoneFile(file_format, rows, count, encoding)


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _whole_number(
    raw: str, line: int, column: str, problems: ProblemList, *, allow_empty: bool = True
) -> int | None:
    text = raw.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not text:
        if not allow_empty:
            problems.add(line, column, "empty")
        return None
    if not text.isdigit() or len(text) > 9:
        problems.add(line, column, f"{raw[:40]!r} is not a whole number")
        return None
    return int(text)


def _check_name(name: str, line: int, column: str, problems: ProblemList) -> str:
    name = " ".join(name.split())
    if not name:
        problems.add(line, column, "empty name")
    elif len(name) > NAME_MAX:
        problems.add(line, column, f"name longer than {NAME_MAX} characters")
    elif not name.isprintable():
        problems.add(line, column, "name holds control characters")
    return name


def _missing(header: list[str], columns: dict[str, int], needed: dict[str, str]) -> None:
    absent = [label for name, label in needed.items() if name not in columns]
    if absent:
        raise ZoneFileError([Problem(1, label, "missing column") for label in absent])


def _simple_rows(
    records: Iterator[tuple[int, list[str]]], header: list[str], columns: dict[str, int]
) -> tuple[list[ZoneRow], int]:
    _missing(header, columns, {"code": "code", "name": "name", "kind": "kind"})
    label = {name: header[index].strip() for name, index in columns.items()}
    has_targets = "target_doors" in columns or "target_leaflets" in columns
    problems = ProblemList()
    rows: list[ZoneRow] = []
    seen: dict[str, int] = {}
    count = 0
    for line, cells in records:
        count += 1
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.add(
                line,
                None,
                f"{len(cells)} fields where the header has {len(header)} "
                "(a name with a comma needs double quotes)",
            )
            continue
        code = _cell(cells, columns["code"])
        if not code:
            problems.add(line, label["code"], "empty code")
        elif len(code) > CODE_MAX or not code.isprintable() or " " in code:
            problems.add(line, label["code"], f"{code[:40]!r} is not a zone code")
        elif code in seen:
            problems.add(line, label["code"], f"{code!r} is already on line {seen[code]}")
        else:
            seen[code] = line
        name = _check_name(_cell(cells, columns["name"]), line, label["name"], problems)
        raw_kind = _cell(cells, columns["kind"])
        kind = KIND_WORDS.get(column_key(raw_kind))
        if kind is None:
            problems.add(
                line,
                label["kind"],
                f"{raw_kind[:40]!r} is not a zone kind ({', '.join(k.value for k in ZoneKind)})",
            )
        parent = _cell(cells, columns.get("parent")) or None
        if parent is not None and parent == code:
            problems.add(line, label["parent"], "a zone can't be its own parent")
        doors = _whole_number(
            _cell(cells, columns.get("target_doors")), line, label.get("target_doors", ""), problems
        )
        leaflets = _whole_number(
            _cell(cells, columns.get("target_leaflets")),
            line,
            label.get("target_leaflets", ""),
            problems,
        )
        if kind is not None:
            rows.append(
                ZoneRow(
                    line,
                    code,
                    name,
                    kind,
                    parent=parent,
                    parent_column=label.get("parent"),
                    target_doors=doors,
                    target_leaflets=leaflets,
                    has_targets=has_targets,
                    has_parent="parent" in columns,
                )
            )
    if count == 0:
        problems.add(None, None, "no zone in the file, only a header")
    problems.raise_if_any()
    return rows, count


def insee_code(commune: str, department: str) -> str:
    """The INSEE code: files before 2024 give the commune's number within its department
    ("19" in "29"), the 2024 ones the whole code ("29019")."""
    commune = commune.upper()
    if commune.isdigit() and len(commune) <= 3 and department:
        department = department.upper()
        if department.isdigit() and len(department) <= 2:
            return department.zfill(2) + commune.zfill(3)
        if department in ("2A", "2B"):
            return department + commune.zfill(3)
    return commune


def _ministry_rows(
    records: Iterator[tuple[int, list[str]]], header: list[str], columns: dict[str, int]
) -> tuple[list[ZoneRow], int]:
    _missing(header, columns, {"commune": "Code commune", "bv": "Code BV"})
    label = {name: header[index].strip() for name, index in columns.items()}
    problems = ProblemList()
    communes: dict[str, ZoneRow] = {}
    stations: dict[str, ZoneRow] = {}
    count = 0
    for line, cells in records:
        count += 1
        raw_commune = _cell(cells, columns["commune"])
        code = insee_code(raw_commune, _cell(cells, columns.get("department")))
        if not INSEE_CODE.match(code):
            problems.add(line, label["commune"], f"{raw_commune[:40]!r} is not an INSEE code")
            continue
        raw_bv = _cell(cells, columns["bv"]).upper()
        if not BV_CODE.match(raw_bv):
            problems.add(line, label["bv"], f"{raw_bv[:40]!r} is not a polling station code")
            continue
        bv = raw_bv.zfill(4)
        commune_name = _cell(cells, columns.get("commune_name")) or code
        commune_name = _check_name(commune_name, line, label.get("commune_name", ""), problems)
        voters = _whole_number(
            _cell(cells, columns.get("registered")), line, label.get("registered", ""), problems
        )
        if code not in communes:
            communes[code] = ZoneRow(line, code, commune_name, ZoneKind.COMMUNE)
        station_code = f"{code}_{bv}"
        bv_name = _cell(cells, columns.get("bv_name"))
        number = str(int(bv)) if bv.isdigit() else bv
        name = " ".join((bv_name or f"{communes[code].name} – bureau {number}").split())
        earlier = stations.get(station_code)
        if earlier is None:
            stations[station_code] = ZoneRow(
                line,
                station_code,
                name[:NAME_MAX],
                ZoneKind.POLLING_STATION,
                parent=code,
                parent_column=label["commune"],
                registered_voters=voters,
            )
        elif earlier.registered_voters != voters:
            # Long-format files repeat a station once per candidate: fine while they agree.
            problems.add(
                line,
                label.get("registered"),
                f"{voters} registered voters, but line {earlier.line} says "
                f"{earlier.registered_voters} for {station_code}",
            )
    if count == 0:
        problems.add(None, None, "no polling station in the file, only a header")
    problems.raise_if_any()
    return [*communes.values(), *stations.values()], count
