"""For BatchCliTest: ``batch FILE… -p extract`` through kiln.batchcli against a stand-in for Kiln,
with the upload cache in CACHE. Each upload says ``uploading PATH`` on stdout and waits for a line
on stdin; the batch made is ``batch_<pid>``. Then prints what the command printed, the batches it
made and the ones it read, as JSON."""

import io
import json
import os
import sys

from kiln import batchcli, cli
from kiln.uploads import UploadStore


class Kiln:
    url = "http://kiln.test"

    def __init__(self):
        self.made, self.read = [], []

    def create_batch(self, type, file_ids, params=None, name=None, idempotency_key=None, reuse=None):
        self.made.append(list(file_ids))
        return {"id": "batch_%d" % os.getpid(), "jobCount": len(file_ids)}

    def batch(self, batch_id):
        self.read.append(batch_id)
        return {"id": batch_id, "jobCount": 2}

    def file(self, file_id):
        return {"id": file_id, "size": 5}


def main(cache, paths):
    def upload(client, path, chunk, err):
        print("uploading " + path, flush=True)
        sys.stdin.readline()
        return "file_%d_%s" % (os.getpid(), os.path.basename(path))

    kiln = Kiln()
    out = io.StringIO()
    args = cli.build_parser().parse_args(["batch"] + paths + ["-p", "extract"])
    batchcli.cmd_batch(kiln, args, out, sys.stderr, upload, {}, UploadStore(cache))
    print(json.dumps({"printed": out.getvalue().strip(), "made": kiln.made, "read": kiln.read}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
