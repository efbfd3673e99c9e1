"""The conformance tests, one module per group of the contract (names, keys, regions, tags,
state, transport, extended): thin declarations of which cases each requirement is checked
with, over the library in the other stages. Collected by ``pytest`` (``testpaths``)."""
