import logging
import os

# The SDK logs retries and failures on purpose; tests provoke many. KILN_TEST_LOG=1 shows them.
if not os.environ.get("KILN_TEST_LOG"):
    logging.getLogger("kiln").setLevel(logging.CRITICAL)
