"""Analysis of pinnfluence results files: a store reader, the paper-style table, paired tests
between methods and figures.

Modules: store (read the documented HDF5 layout), table, stats, overhead (the cost of
resampling, from /timing), model (the network and the hard constraints in numpy), reference
(reference solutions), plots, cli.
"""

__version__ = "0.1.0"
