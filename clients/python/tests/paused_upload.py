"""For PythonCliRestartTest: uploads FILE in CHUNK-byte chunks with kiln.Client, pausing after
the first chunk until a line arrives on stdin (the test restarts Kiln meanwhile), then prints the
offsets Kiln acknowledged and the file id as JSON."""

import json
import logging
import os
import sys

import kiln


def main(path, chunk):
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    client = kiln.Client(os.environ["KILN_URL"], os.environ["KILN_TOKEN"])
    offsets = []

    def acknowledged(offset, size):
        offsets.append(offset)
        if len(offsets) == 2:  # the first chunk is in
            print("paused at %d" % offset, flush=True)
            sys.stdin.readline()

    file_id = client.upload(path, chunk_size=chunk, on_progress=acknowledged)
    print(json.dumps({"fileId": file_id, "offsets": offsets}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
