"""Benchmarks: each module runs with `python -m bench.<name>` and prints its figures (see the README's
Performance section). `tests/test_bench_*.py` run each one at a tiny size to check it still works and
that its correctness checks hold; no timing is asserted anywhere."""
