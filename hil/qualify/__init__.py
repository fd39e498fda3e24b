"""Release qualification: `pos-qualify MODULE` runs every check for a module candidate
and writes a record (JSON, JUnit XML, HTML with plots) that names what was proven.

Public API:

- `main(argv, progress=None) -> int`: the command; 0 PASS, 1 FAIL, 2 ERROR, 3 usage
- `qualify(Options, Reporter) -> Outputs`: one qualification, files written
- `CHECKS`: the checks that need no board, by name; `board_check` for the HIL suite
- `Record`, `CheckResult`, `CaseResult`, `Outcome`: the record model
"""

from hil.qualify.checks import CHECKS
from hil.qualify.cli import main
from hil.qualify.context import Context
from hil.qualify.progress import Reporter, RichReporter, SilentReporter
from hil.qualify.record import Record
from hil.qualify.results import CaseResult, CheckResult, Outcome
from hil.qualify.run import Options, Outputs, qualify
from hil.qualify.suite import board_check

__all__ = [
    "CHECKS",
    "CaseResult",
    "CheckResult",
    "Context",
    "Options",
    "Outcome",
    "Outputs",
    "Record",
    "Reporter",
    "RichReporter",
    "SilentReporter",
    "board_check",
    "main",
    "qualify",
]
