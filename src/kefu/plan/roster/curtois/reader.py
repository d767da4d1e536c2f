"""Curtois & Qu employee-scheduling instances: reader, validator and objective.

The benchmark is our generality check: the roster engine must solve these
instances too. The validator and the objective here are computed from the
finished roster only, independently of any CP-SAT model, so a modelling bug can
never make us report a value below the proven optimum. Reading rules follow
``../shared/benchmarks/curtois/README.md`` ("relaxed at the horizon ends": runs
touching the first or last day are not held to the minimum-run rules; days
outside the horizon count as days off for the maximum-run rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kefu.domain.errors import ErrorCode, KefuError

REST = -1  # roster cell value for a day off


@dataclass(frozen=True)
class CShift:
    """One shift type: its length and the shift types forbidden on the next day."""

    id: str
    minutes: int
    forbidden_next: tuple[str, ...]


@dataclass(frozen=True)
class CStaff:
    """One employee's contract (caps per shift type, minutes, run lengths, weekends)."""

    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass
class Instance:
    """A parsed instance; shifts and staff keep file order, days are 0-based (day 0 = Monday)."""

    name: str
    horizon: int
    shifts: list[CShift]
    staff: list[CStaff]
    days_off: dict[int, set[int]] = field(default_factory=dict)  # employee index -> days
    on_requests: list[tuple[int, int, int, int]] = field(default_factory=list)  # (e, d, s, weight)
    off_requests: list[tuple[int, int, int, int]] = field(default_factory=list)
    cover: dict[tuple[int, int], tuple[int, int, int]] = field(default_factory=dict)  # (d, s) -> (req, wu, wo)

    @property
    def n_emps(self) -> int:
        return len(self.staff)

    def shift_index(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.shifts)}

    def forbidden_pairs(self) -> list[list[int]]:
        """For each shift index, the shift indices that may not follow it next day."""
        idx = self.shift_index()
        return [[idx[f] for f in s.forbidden_next if f in idx] for s in self.shifts]

    def cap(self, e: int, s: int) -> int:
        return self.staff[e].max_shifts.get(self.shifts[s].id, self.horizon)


def _bad(name: str, line_no: int, zh: str, en: str) -> KefuError:
    return KefuError(
        ErrorCode.IMPORT_BAD_FILE,
        f"Curtois 实例 {name} 第{line_no}行: {zh}",
        f"Curtois instance {name} line {line_no}: {en}",
        {"file": name, "line": line_no},
    )


def parse_instance(text: str, name: str = "instance") -> Instance:
    """Parse the benchmark's plain-text format (CRLF tolerant, ``#`` comments)."""
    sections: dict[str, list[tuple[int, str]]] = {}
    current = ""
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            sections[current] = []
            continue
        if not current:
            raise _bad(name, no, "段落之前出现数据", "data before the first section")
        sections[current].append((no, line))
    for required in ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_COVER"):
        if required not in sections:
            raise _bad(name, 0, f"缺少段落 {required}", f"missing section {required}")
    try:
        return _build(sections, name)
    except (ValueError, IndexError, KeyError) as exc:
        raise _bad(name, 0, f"格式错误: {exc}", f"malformed: {exc}") from exc


def _build(sections: dict[str, list[tuple[int, str]]], name: str) -> Instance:
    horizon = int(sections["SECTION_HORIZON"][0][1])
    shifts = []
    for _no, line in sections["SECTION_SHIFTS"]:
        parts = [p.strip() for p in line.split(",")]
        forb = tuple(f for f in (parts[2].split("|") if len(parts) > 2 else []) if f)
        shifts.append(CShift(parts[0], int(parts[1]), forb))
    sidx = {s.id: i for i, s in enumerate(shifts)}
    staff = []
    for no, line in sections["SECTION_STAFF"]:
        p = [x.strip() for x in line.split(",")]
        caps: dict[str, int] = {}
        for item in p[1].split("|"):
            if item:
                k, v = item.split("=")
                if k not in sidx:
                    raise _bad(name, no, f"未知班次 {k}", f"unknown shift {k}")
                caps[k] = int(v)
        staff.append(CStaff(p[0], caps, int(p[2]), int(p[3]), int(p[4]), int(p[5]), int(p[6]), int(p[7])))
    eidx = {s.id: i for i, s in enumerate(staff)}
    inst = Instance(name, horizon, shifts, staff)
    for _no, line in sections.get("SECTION_DAYS_OFF", []):
        p = [x.strip() for x in line.split(",") if x.strip()]
        inst.days_off.setdefault(eidx[p[0]], set()).update(int(d) for d in p[1:])
    for key, target in (("SECTION_SHIFT_ON_REQUESTS", inst.on_requests), ("SECTION_SHIFT_OFF_REQUESTS", inst.off_requests)):
        for _no, line in sections.get(key, []):
            p = [x.strip() for x in line.split(",")]
            target.append((eidx[p[0]], int(p[1]), sidx[p[2]], int(p[3])))
    for _no, line in sections["SECTION_COVER"]:
        p = [x.strip() for x in line.split(",")]
        inst.cover[(int(p[0]), sidx[p[1]])] = (int(p[2]), int(p[3]), int(p[4]))
    return inst


def load_instance(path: str | Path) -> Instance:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise KefuError(ErrorCode.IMPORT_BAD_FILE, f"无法读取 {p}", f"cannot read {p}", {"file": str(p)}) from exc
    return parse_instance(text, p.stem)


def objective(inst: Instance, roster: list[list[int]]) -> int:
    """The benchmark objective recomputed from the roster alone (requests + cover)."""
    total = 0
    for e, d, s, w in inst.on_requests:
        if roster[e][d] != s:
            total += w
    for e, d, s, w in inst.off_requests:
        if roster[e][d] == s:
            total += w
    counts: dict[tuple[int, int], int] = {}
    for row in roster:
        for d, s in enumerate(row):
            if s != REST:
                counts[(d, s)] = counts.get((d, s), 0) + 1
    for (d, s), (req, wu, wo) in inst.cover.items():
        n = counts.get((d, s), 0)
        total += wu * max(0, req - n) + wo * max(0, n - req)
    return total


def _runs(work: list[bool]) -> list[tuple[int, int, bool]]:
    """Maximal runs as (start, length, working)."""
    runs: list[tuple[int, int, bool]] = []
    start = 0
    for d in range(1, len(work) + 1):
        if d == len(work) or work[d] != work[start]:
            runs.append((start, d - start, work[start]))
            start = d
    return runs


def violations(inst: Instance, roster: list[list[int]]) -> list[str]:
    """Every hard-rule violation of a roster, one readable line each (empty = feasible)."""
    if len(roster) != inst.n_emps:
        return [f"roster has {len(roster)} employees, instance has {inst.n_emps}"]
    return [v for e in range(inst.n_emps) for v in line_violations(inst, e, roster[e])]


def line_violations(inst: Instance, e: int, row: list[int]) -> list[str]:
    """Hard-rule violations of employee ``e``'s line (every rule is per employee)."""
    out: list[str] = []
    h, st = inst.horizon, inst.staff[e]
    if len(row) != h:
        return [f"{st.id}: {len(row)} days, horizon is {h}"]
    forb = inst.forbidden_pairs()
    work = [s != REST for s in row]
    for d in range(h - 1):
        if row[d] != REST and row[d + 1] in forb[row[d]]:
            out.append(f"{st.id}: day {d + 1} {inst.shifts[row[d + 1]].id} may not follow {inst.shifts[row[d]].id}")
    for s in range(len(inst.shifts)):
        n = sum(1 for x in row if x == s)
        if n > inst.cap(e, s):
            out.append(f"{st.id}: {n} x {inst.shifts[s].id} > cap {inst.cap(e, s)}")
    minutes = sum(inst.shifts[x].minutes for x in row if x != REST)
    if not st.min_minutes <= minutes <= st.max_minutes:
        out.append(f"{st.id}: {minutes} minutes outside [{st.min_minutes}, {st.max_minutes}]")
    for start, length, working in _runs(work):
        inner = start > 0 and start + length < h
        if working and length > st.max_consecutive:
            out.append(f"{st.id}: {length} consecutive shifts from day {start}")
        if working and inner and length < st.min_consecutive:
            out.append(f"{st.id}: only {length} consecutive shifts from day {start}")
        if not working and inner and length < st.min_days_off:
            out.append(f"{st.id}: only {length} consecutive days off from day {start}")
    weekends = sum(1 for k in range(h // 7) if work[7 * k + 5] or work[7 * k + 6])
    if weekends > st.max_weekends:
        out.append(f"{st.id}: {weekends} weekends > {st.max_weekends}")
    for d in sorted(inst.days_off.get(e, set())):
        if d < h and work[d]:
            out.append(f"{st.id}: works on day off {d}")
    return out


def roster_as_codes(inst: Instance, roster: list[list[int]]) -> dict[str, list[str]]:
    return {st.id: ["" if s == REST else inst.shifts[s].id for s in roster[e]] for e, st in enumerate(inst.staff)}
