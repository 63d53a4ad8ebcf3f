"""The report: targets, verdicts, the table on stdout, and the JSON document."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import platform
import statistics
from collections.abc import Mapping
from typing import Any

from _measure import PairResult

__all__ = ["Target", "check_row", "import_row", "machine", "pair_row", "table"]


@dataclasses.dataclass(frozen=True)
class Target:
    """What a pair's figure must reach: ``figure >= value`` or ``<= value``."""

    op: str
    value: float
    unit: str = ""

    def met(self, figure: float) -> bool:
        """Whether ``figure`` meets the target."""
        return figure >= self.value if self.op == ">=" else figure <= self.value

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}{self.unit}"


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
        "title": f"{facade[0]} vs {raw[0]}, fresh processes",
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
    versions = {}
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


_HEADER = ("pair", "side", "calls/s", "p50 ms", "p99 ms", "facade/raw", "target", "")


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a plain-text table, two lines per pair."""
    lines: list[tuple[str, ...]] = [_HEADER]
    for row in rows:
        target = row.get("target")
        target_text = (
            f"{target['op']} {target['value']:g}{target.get('unit', '')}"
            if target
            else "-"
        )
        if row["kind"] == "throughput":
            ratio = (
                f"{row['ratio']:.3f} ({row['ratio_min']:.2f}-{row['ratio_max']:.2f})"
            )
            for index, side in enumerate((row["facade"], row["raw"])):
                lines.append(
                    (
                        row["title"] if index == 0 else "",
                        side["label"],
                        f"{side['calls_per_s']:.0f}",
                        f"{side['p50_ms']:.3f}",
                        f"{side['p99_ms']:.3f}",
                        ratio if index == 0 else "",
                        target_text if index == 0 else "",
                        row["verdict"] if index == 0 else "",
                    )
                )
        elif row["kind"] == "import":
            for index, side in enumerate((row["facade"], row["raw"])):
                lines.append(
                    (
                        row["title"] if index == 0 else "",
                        side["label"],
                        "",
                        f"{side['median_ms']:.1f} (import)",
                        "",
                        f"{row['difference_ms']:+.1f} ms" if index == 0 else "",
                        target_text if index == 0 else "",
                        row["verdict"] if index == 0 else "",
                    )
                )
        else:
            observed = ", ".join(
                f"{stage}: {'loaded' if loaded else 'not loaded'}"
                for stage, loaded in row["observed_loaded"].items()
            )
            lines.append(
                (row["title"], observed, "", "", "", "", "-", row["verdict"])
            )
    widths = [max(len(line[i]) for line in lines if len(line) > 1) for i in range(8)]
    # The check rows' long second cell would stretch the side column.
    widths[1] = max(
        len(line[1]) for line in lines if not line[1].startswith("import ")
        and ":" not in line[1]
    )
    numeric = {2, 3, 4}
    out = []
    for line in lines:
        if ":" in line[1] and line[0]:
            out.append(f"{line[0]}  {line[1]}  {line[7]}")
            continue
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)
