import ast
import os
import unittest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "kiln")


class SourceTest(unittest.TestCase):

    def test_the_sdk_is_python_3_9_and_modest_modules(self):
        for name in sorted(os.listdir(PACKAGE)):
            if name.endswith(".py"):
                with open(os.path.join(PACKAGE, name)) as f:
                    source = f.read()
                ast.parse(source, name, feature_version=(3, 9))  # no match, no X | Y, ...
                self.assertLessEqual(source.count("\n"), 400, name)

    def test_only_the_standard_library_is_imported(self):
        import sys
        allowed = set(getattr(sys, "stdlib_module_names", ())) or None
        for name in sorted(os.listdir(PACKAGE)):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(PACKAGE, name)) as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    roots = [alias.name.split(".")[0] for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    roots = [node.module.split(".")[0]]
                else:
                    continue
                for root in roots:
                    if allowed is not None:
                        self.assertIn(root, allowed, "%s imports %s" % (name, root))


if __name__ == "__main__":
    unittest.main()
