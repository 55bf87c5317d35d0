"""The law: the case schema and its vocabularies, the statutory engine of Interp. 2017 (``statutory``) with its one
law table (``law_2017.toml``, read by ``table``: every legal number, the contested readings, the precedent labels),
the precedent labels of case rows (``precedent``) and the 2021 sentencing guideline's baseline (``guideline``).
Imports nothing else of Exposure."""
