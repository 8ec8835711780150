"""How long the TFWP reader takes on the published tables (prints `name: value` lines)."""

from __future__ import annotations

import time
from pathlib import Path

from mwsn import tfwp

EXTERNAL = Path(__file__).resolve().parents[1] / "data" / "external"


def _seconds(read, path: Path, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        read(path)
        best = min(best, time.perf_counter() - started)
    return best


if __name__ == "__main__":
    table_7 = EXTERNAL / "esdc_tfwp_annual_2016_2020/tfwp2023_annual_table_7_e.2016-2020_subset.csv"
    table_13 = EXTERNAL / "esdc_tfwp_annual_2016_2020/tfwp2023_annual_table_13_e.2016-2020_subset.csv"
    permits = EXTERNAL / "ircc_tfwp_work_permits/EN_ODP_annual-TR-work-TFW_PT_program_year_end.xlsx"
    print(f"read_tfwp_table_7_seconds: {_seconds(tfwp.read_tfwp_table, table_7):.3f}")
    print(f"read_tfwp_table_13_seconds: {_seconds(tfwp.read_tfwp_table, table_13):.3f}")
    print(f"read_ircc_work_permits_seconds: {_seconds(tfwp.read_ircc_work_permits, permits):.3f}")
