"""The law: the case schema and its vocabularies, the statutory engine of Interp. 2017 with its one law table
(``law_2017.toml``), and the 2021 sentencing guideline's adjustments. Imports nothing else of Exposure."""
