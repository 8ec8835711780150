"""mwsn: reproducible assessment of the Migrant Worker Support Network.

Parameterized notebooks (``notebooks/``) run by papermill over this tested
library. Modules, in import order (a module imports only those before it):
errors, config, i18n, codebook, tfwp, ingest, validate, clean, privacy, stats,
qualitative, program, context, findings, plots, provenance, report, synth, runner, cli.
"""

__version__ = "0.1.0"
