"""The fault and variant catalogue: deviations injected into the bundled reference server to
measure what the suite catches (``faults``), and other legal readings of the Profile points it
must still certify (``variants``, with the lenient ``structural`` and strict ``realkeys`` key
parsers and the ``latitude`` answers they use). The server loads one by name
(``--fault``/``--variant``); nothing here knows the suite's tests."""
