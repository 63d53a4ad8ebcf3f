"""The report: targets, verdicts, the table on stdout, and the JSON document."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import platform
import statistics
import time
from collections.abc import Mapping
from typing import Any

from _measure import PairResult

__all__ = [
    "OtherLoad",
    "Target",
    "check_row",
    "import_row",
    "machine",
    "pair_row",
    "table",
]


@dataclasses.dataclass(frozen=True)
class Target:
    """What a pair's figure must reach: ``figure >= value`` or ``<= value``."""

    op: str
    value: float

    def met(self, figure: float) -> bool:
        """Whether ``figure`` meets the target."""
        return figure >= self.value if self.op == ">=" else figure <= self.value


def _verdict(met: bool) -> str:
    return "PASS" if met else "MISS"


def pair_row(
    name: str, title: str, result: PairResult, target: Target, **extra: object
) -> dict[str, Any]:
    """A throughput pair, as a JSON object."""
    ratios = result.ratios
    return {
        "name": name,
        "title": title,
        "kind": "throughput",
        **extra,
        "facade": result.facade.as_json(),
        "raw": result.raw.as_json(),
        "ratio": round(result.ratio, 4),
        "ratio_min": round(min(ratios), 4),
        "ratio_max": round(max(ratios), 4),
        "ratios_by_round": [round(r, 4) for r in ratios],
        "target": {"op": target.op, "value": target.value},
        "verdict": _verdict(target.met(result.ratio)),
    }


def import_row(
    facade: tuple[str, list[float]], raw: tuple[str, list[float]], target: Target
) -> dict[str, Any]:
    """The import pair, as a JSON object; the figure is the difference in ms."""
    facade_ms = statistics.median(facade[1])
    raw_ms = statistics.median(raw[1])
    difference = facade_ms - raw_ms
    return {
        "name": "import",
        "title": "import, fresh process",
        "kind": "import",
        "facade": {
            "label": facade[0],
            "median_ms": round(facade_ms, 2),
            "samples_ms": [round(v, 2) for v in facade[1]],
        },
        "raw": {
            "label": raw[0],
            "median_ms": round(raw_ms, 2),
            "samples_ms": [round(v, 2) for v in raw[1]],
        },
        "difference_ms": round(difference, 2),
        "target": {"op": target.op, "value": target.value, "unit": "ms"},
        "verdict": _verdict(target.met(difference)),
    }


def check_row(
    name: str,
    title: str,
    stages: Mapping[str, Mapping[str, bool]],
    module: str,
    expected: Mapping[str, bool],
) -> dict[str, Any]:
    """A yes/no check: ``module`` is loaded after each stage as ``expected``."""
    observed = {stage: stages[stage][module] for stage in expected}
    return {
        "name": name,
        "title": title,
        "kind": "check",
        "module": module,
        "expected_loaded": dict(expected),
        "observed_loaded": observed,
        "stages": {stage: dict(loaded) for stage, loaded in stages.items()},
        "verdict": _verdict(observed == dict(expected)),
    }


def machine() -> dict[str, Any]:
    """The machine and the versions that the figures belong to."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for package in ("scanner-grpc", "grpcio", "protobuf", "urllib3", "aiohttp"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions,
    }


class OtherLoad:
    """How busy other programs kept the machine while the benchmark ran.

    The CPU time of the whole machine (``/proc/stat``) less that of this
    process, of its finished children (the fresh interpreters) and of the
    emulator, as a share of every CPU over the run. On a quiet machine it is
    near 0; figures from a run above 0.1 or so are worth repeating.
    """

    def __init__(self) -> None:
        self._machine = _machine_cpu_seconds()
        self._own = _own_cpu_seconds()
        self._wall = time.monotonic()

    def share(self, emulator_pid: int) -> float | None:
        """The share so far; call it while the emulator still runs."""
        machine_now = _machine_cpu_seconds()
        emulator = _process_cpu_seconds(emulator_pid)
        if machine_now is None or self._machine is None or emulator is None:
            return None
        other = (machine_now - self._machine) - (_own_cpu_seconds() - self._own)
        other -= emulator
        wall = time.monotonic() - self._wall
        return max(0.0, other) / (wall * (os.cpu_count() or 1))


def _machine_cpu_seconds() -> float | None:
    # The first line of /proc/stat: jiffies per state; idle and iowait are
    # the 4th and 5th.
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


def _process_cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # The command name may hold spaces; the fields after it do not.
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


_HEADER = (
    "pair",
    "side",
    "calls/s",
    "p50 ms",
    "p99 ms",
    "cpu us",
    "facade/raw",
    "target",
    "",
)
_NUMERIC = {2, 3, 4, 5}


def _target_text(target: Mapping[str, Any]) -> str:
    if target.get("unit") == "ms":
        return f"{target['op']} +{target['value']:g} ms"
    return f"{target['op']} {target['value']:.2f}"


def _pair_lines(row: Mapping[str, Any]) -> list[tuple[str, ...]]:
    facade, raw = row["facade"], row["raw"]
    if row["kind"] == "import":
        figure = f"{row['difference_ms']:+.1f} ms"
        cells = [
            (s["label"], "", f"{s['median_ms']:.1f}", "", "") for s in (facade, raw)
        ]
    else:
        figure = f"{row['ratio']:.3f} ({row['ratio_min']:.2f}-{row['ratio_max']:.2f})"
        cells = [
            (
                s["label"],
                f"{s['calls_per_s']:.0f}",
                f"{s['p50_ms']:.3f}",
                f"{s['p99_ms']:.3f}",
                f"{s['cpu_us_per_call']:.0f}",
            )
            for s in (facade, raw)
        ]
    return [
        (row["title"], *cells[0], figure, _target_text(row["target"]), row["verdict"]),
        ("", *cells[1], "", "", ""),
    ]


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as plain text: two lines per pair, then the checks.

    For the import pair the p50 column holds the median time of the import
    alone, and the ratio column the difference.
    """
    lines: list[tuple[str, ...]] = [_HEADER]
    for row in rows:
        if row["kind"] != "check":
            lines += _pair_lines(row)
    widths = [max(len(line[i]) for line in lines) for i in range(len(_HEADER))]
    out = [
        "  ".join(
            cell.rjust(widths[i]) if i in _NUMERIC else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ).rstrip()
        for line in lines
    ]
    for row in rows:
        if row["kind"] == "check":
            out.append(f"\n{row['title']}: {row['verdict']}")
            for stage, loaded in row["observed_loaded"].items():
                expected = row["expected_loaded"][stage]
                state = "loaded" if loaded else "not loaded"
                mark = "" if loaded == expected else "  <- expected otherwise"
                out.append(f"  after {stage}: {row['module']} {state}{mark}")
    return "\n".join(out)
