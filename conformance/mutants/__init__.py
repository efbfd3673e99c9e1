"""The fault and variant catalogue: deviations injected into the bundled reference server to
measure what the suite catches (``faults``, a package with one module per group of the
contract), and other legal readings of the Profile points it must still certify
(``variants``, with the lenient ``structural`` and strict ``realkeys`` key parsers and the
``latitude`` answers they use), and, apart from those, the server as real ECS was observed
answering (``observed``: not a legal reading; ``--reading observed`` certifies it). All are
built from ``combinators`` (wrappers of the server's ``actions.Behaviour``); ``catalogue``
holds the entry type and the look-up by name. The server loads one by name
(``--fault``/``--variant``); nothing here knows the suite's tests."""
