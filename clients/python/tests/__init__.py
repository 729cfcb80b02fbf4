import logging
import os
import sys

# Bytes that are not UTF-8 in a name or an argument, as Linux and other Unixes hand them over:
# Windows has no such names (and os.fsdecode refuses those bytes there); macOS's file systems
# refuse to make a file so named.
NO_NON_UTF8_TEXT = sys.platform == "win32"
NO_NON_UTF8_FILES = sys.platform in ("win32", "darwin")

# The SDK logs retries and failures on purpose; tests provoke many. KILN_TEST_LOG=1 shows them.
if not os.environ.get("KILN_TEST_LOG"):
    logging.getLogger("kiln").setLevel(logging.CRITICAL)
