"""X's counting port imports without setuptools' pkg_resources, which newer setuptools no longer has."""

import subprocess
import sys
import textwrap
from pathlib import Path


def test_the_port_imports_where_pkg_resources_cannot_be_imported_and_leaves_no_stand_in() -> None:
    script = textwrap.dedent(
        """
        import sys

        class NoPkgResources:
            def find_spec(self, name, path=None, target=None):
                if name == "pkg_resources":
                    raise ModuleNotFoundError("No module named 'pkg_resources'")

        sys.meta_path.insert(0, NoPkgResources())
        from content_library.text_length import fits, post_length

        assert post_length("日example.com" * 12, "x") == 300 and not fits("日example.com" * 12, "x")
        assert "pkg_resources" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-W", "error", "-c", script], check=True, cwd=Path(__file__).parent.parent)
