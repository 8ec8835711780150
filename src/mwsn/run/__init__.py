"""The runner: execute the notebooks with papermill, export them with nbconvert, and take in
what they wrote.

Modules: :mod:`~mwsn.run.plan` (which notebooks, in which order, what each
reads and writes), :mod:`~mwsn.run.cache` (what each step depends on, the
manifest, ``--dry-run``), :mod:`~mwsn.run.staging` (lock, staging, atomic swap,
recovery, sandbox), :mod:`~mwsn.run.worker` (one step in a worker process: the
only module that imports papermill and nbconvert), :mod:`~mwsn.run.progress`,
:mod:`~mwsn.run.verify` and :mod:`~mwsn.run.orchestrate` (scheduling it all).
A run first computes the national context (the notebooks whose metadata says
``"scope": "national"``: ``00_context``) once, as a job of its own under
``reports/_national/`` with its tables in ``data/processed/_national/``; then
every jurisdiction; then, with ``run --all``, the comparison (``90_*``) as one
more job (``reports/all/``, its pages in ``reports/``). Every job goes through
the same pool of workers, staging, recovery, rerun cache and manifest.
For each jurisdiction a run

1. takes a lock (``reports/.<jur>.lock``): a second run of the same
   jurisdiction stops at once; the OS releases the lock if a run is killed;
2. hashes what the run depends on (:mod:`mwsn.provenance`) and, when nothing
   changed since ``reports/<jur>/manifest.json`` was written, says so and stops,
   without importing pandas, papermill or nbconvert (before that, ``mwsn run``
   asks :mod:`mwsn.uptodate` whether any file a run reads or wrote has changed
   at all since the last successful run: when none has, it answers from the
   files' stat alone, importing neither the params models nor the runner);
3. validates the raw data before any kernel starts;
4. plans one *step* per notebook (one per language for a notebook that declares
   ``each_language``) and executes, in parallel where the notebooks' contracts
   allow, only the steps whose inputs changed; the others are reused from the
   previous run;
5. exports every executed notebook (with code) the same way, takes in the
   files each notebook published into its output folder (``reports/<jur>/``,
   as its ``publishes`` declares: a notebook writes its own pages there),
   writes the manifest and the index that records the manifest's
   hash, and swaps the new output and processed folders in. The runner knows
   no notebook by name and writes no page of its own but the index.

Which notebook reads what
    A notebook may declare in its metadata ``"mwsn": {"reads": [...], "writes":
    [...]}``: names of processed tables (``survey`` is
    ``data/processed/<jur>/survey.parquet``; a name with a dot is a file name),
    plus ``raw`` (``data/raw/<jur>/``) and ``external`` (``data/external/``) in
    ``reads``. A notebook that declares no ``reads`` reads everything earlier
    notebooks wrote and all raw and external data; one that declares no
    ``writes`` is waited for by every later notebook. Each step runs in its own
    folder where ``data/processed/<jur>/`` holds only what it may read, so an
    undeclared read fails loudly instead of silently going stale. ``reads``
    may also name ``docs`` (the methods pages), ``jurisdictions`` (what the
    other jurisdictions' params say of their Network) and ``pseudonym_key``.
    ``"publishes": [patterns]`` names the files a notebook writes into its
    output folder (any file when undeclared; one it does not declare fails
    the run), and ``"each_language": true`` runs it once per language.
    Every step also depends on its own source, this jurisdiction's params file
    and the shared ones (never another jurisdiction's file), the library's
    source hash and the package versions: exactly what it reads, so an edit
    reruns what it can change and nothing else (``mwsn run --dry-run`` says
    what would rerun and why).

Safe under faults
    Steps run in ``reports/.staging-<jur>-<run>/``; nothing under ``reports/<jur>/``
    or ``data/processed/<jur>/`` changes until every step has succeeded. Then a
    ``COMMIT`` marker is written (the commit point) and both folders are
    swapped in by renames. A run killed before the marker leaves the previous
    outputs as they were and its staging folder is discarded by the next run;
    one killed after it is completed by the next run. Executed notebooks show
    paths relative to the project root and no timings, so reruns are
    byte-identical wherever they run (and do not reveal a home folder). A
    failing notebook keeps its partly executed copy under
    ``reports/_failed/<jur>/``.

Kernels talk to the runner over local IPC sockets, not TCP, so no port is
opened and the kernel has no reason to warn about unencrypted TCP.
"""

# plan() and verify() are reached as mwsn.run.plan.plan and mwsn.run.verify.verify (a package
# attribute cannot be both the module and its function)
from mwsn.run.cache import (
    INDEX, MANIFEST, MANIFEST_FORMAT, RUN_LOG, Planned, dry_run, recorded_manifest_sha256)
from mwsn.config import NATIONAL
from mwsn.run.orchestrate import RunResult, run, run_level_job, run_many
from mwsn.run.plan import (
    ALL, CROSS_JURISDICTION, CROSS_PARAMETERS, INPUTS, PARAMETERS, Contract,
    Step, contract, cross_jurisdiction, national, notebooks_dir, pipeline)
from mwsn.run.progress import Progress
from mwsn.run.staging import RunLocked
from mwsn.run.verify import CHECKS, Difference, Verification
from mwsn.run.worker import KERNEL, KERNEL_ENV, execute_step

__all__ = ["ALL", "CHECKS", "CROSS_JURISDICTION", "CROSS_PARAMETERS", "INDEX", "INPUTS",
           "KERNEL", "KERNEL_ENV", "MANIFEST", "MANIFEST_FORMAT", "NATIONAL", "PARAMETERS",
           "RUN_LOG", "Contract",
           "Difference", "Planned", "Progress", "RunLocked", "RunResult", "Step", "Verification",
           "contract", "cross_jurisdiction", "dry_run", "execute_step", "national",
           "notebooks_dir", "pipeline", "recorded_manifest_sha256", "run", "run_level_job",
           "run_many"]
