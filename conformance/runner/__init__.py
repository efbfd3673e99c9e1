"""The runner stage: the pytest plugin and the per-run session that drives one request through
the stages (``suite.Suite``: build a case, send it through ``target``, judge it with ``oracle``,
record the verdict in ``results``), the Hypothesis profiles, the ``requires`` marker and the
pytest hooks that write the reports."""
