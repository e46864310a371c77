"""`blocklet check`: everything a Blocklet Store or Blocklet Server would refuse after an upload, found
offline, each problem with its file and position (twine's `check`)."""

from blocklet_cli.core.check.model import CheckReport, Finding
from blocklet_cli.core.check.project import check_project, check_release

__all__ = ["CheckReport", "Finding", "check_project", "check_release"]
