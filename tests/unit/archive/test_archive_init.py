from __future__ import annotations

import pallet.archive

EXPECTED = {
    "Compression",
    "ExtractMode",
    "ExtractResult",
    "HashingReader",
    "HashingWriter",
    "Header",
    "TarReader",
    "extract_layer",
    "open_compressor",
    "open_decompressed",
    "sniff",
    "write_tree",
}


def test_all_is_exact() -> None:
    assert set(pallet.archive.__all__) == EXPECTED
    assert len(pallet.archive.__all__) == len(EXPECTED)
    assert sorted(pallet.archive.__all__) == pallet.archive.__all__


def test_every_public_name_resolves() -> None:
    for name in pallet.archive.__all__:
        assert getattr(pallet.archive, name) is not None


def test_public_names_have_docstrings() -> None:
    for name in pallet.archive.__all__:
        if name != "ExtractMode":  # a Literal alias cannot carry one
            assert getattr(pallet.archive, name).__doc__, name
