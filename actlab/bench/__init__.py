"""actlab.bench: benchmark suites (activations × tasks × seeds), their runner, statistics and published claims.

- `actlab.bench.config`: `SuiteConfig`, `resolve_suite("quick" | "standard" | path, **flags)`, `validate_names`.
- `actlab.bench.runner`: `run_suite(cfg, db, backend=None, on_event=None, outputs=())` — each run once, into
  SQLite (`actlab.store.runs`), resumable, diverged runs recorded, names and paths checked before training.
- `actlab.bench.stats`: t and bootstrap intervals, paired win/tie/loss against a baseline, mean ranks, Pareto front.
- `actlab.bench.claims`: published claims evaluated against the runs.
- `actlab.bench.backends`: where runs execute (in-process, process pool, Ray).

Kept import-free so that `actlab.bench.backends` stays cheap to import.
"""
