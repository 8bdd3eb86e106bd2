"""Times in ``inspect docker://`` are printed as skopeo (Go's RFC3339Nano) prints them."""

import pytest

from pallet.engine.remote_inspect import go_time
from pallet.store.store import now_rfc3339


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ("2026-11-26T07:32:31.683370Z", "2026-11-26T07:32:31.68337Z"),
        ("2026-11-26T07:32:31.000Z", "2026-11-26T07:32:31Z"),
        ("2026-11-26T07:32:31Z", "2026-11-26T07:32:31Z"),
        ("2024-01-01T00:00:00.120+01:00", "2024-01-01T00:00:00.12+01:00"),
    ],
)
def test_go_time(given: str, printed: str) -> None:
    assert go_time(given) == printed


def test_pallet_writes_times_go_tools_print_back_unchanged() -> None:
    for _ in range(50):
        now = now_rfc3339()
        assert go_time(now) == now and now.endswith("Z")
