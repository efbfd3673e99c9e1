"""Cassettes: what a run's requests got as answers, kept as a file to compare later runs with.

``--record FILE`` writes every ImportKeyPair, DescribeKeyPairs and DeleteKeyPairs exchange of a
run as a cassette (``cassette.py``: the file format, its canonical keys and answer shapes);
``--compare-with FILE`` looks each exchange of a run up in a cassette recorded with the same
seed and profile and reports the divergences (``compare.py``), which go to results.json
(``divergences``, ``comparison``) and report.html, and, with ``--fail-on-divergence``, to the
exit status (``conformance/results/gate.py``). ``--compare-with URL`` (or ``reference``) is a
live mirror instead (``mirror.py``): every request also goes to a second target, whose answers
are recorded and compared the same way. The pytest hooks are ``plugin.py``'s.
"""

from conformance.cassettes.cassette import FORMAT_VERSION, Cassette, Recorder, answer_of, canonical_key
from conformance.cassettes.compare import Comparison, compare

__all__ = ["FORMAT_VERSION", "Cassette", "Comparison", "Recorder", "answer_of", "canonical_key", "compare"]
