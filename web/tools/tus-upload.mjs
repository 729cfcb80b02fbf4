// Uploads a file to Kiln with tus-js-client — a tus client Kiln's authors did not write — for
// Kiln's tests and benchmarks. Prints one JSON line with what happened.
//
//   node tools/tus-upload.mjs --endpoint http://localhost:8080/api/v1/uploads --token kiln_… --file big.bin
//        [--abort-after BYTES [--stop-after-abort]] [--resume UPLOAD_URL] [--chunk-size BYTES]
//
// --abort-after stalls the first PATCH once that many bytes are out, then cuts its connection; the
// upload resumes at once from the server's offset, or with --stop-after-abort the script exits so
// the caller can resume it later (--resume).
import fs from 'node:fs';
import { Transform } from 'node:stream';
import * as tus from 'tus-js-client';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce(
      (pairs, arg, i, all) =>
        arg.startsWith('--')
          ? [...pairs, [arg.slice(2), all[i + 1]?.startsWith('--') || all[i + 1] === undefined ? 'true' : all[i + 1]]]
          : pairs,
      [],
    ),
);
const size = fs.statSync(args.file).size;
const started = process.hrtime.bigint();

/** Passes the first {@code limit} bytes of a request body on, then holds the rest back: a stalled network. */
function stallAfter(body, limit, onStalled) {
  let passed = 0;
  const valve = new Transform({
    transform(chunk, _encoding, done) {
      const room = limit - passed;
      if (chunk.length < room) {
        passed += chunk.length;
        done(null, chunk);
        return;
      }
      this.push(chunk.subarray(0, room));
      passed = limit;
      onStalled(); // and never call done(): nothing more flows
    },
  });
  valve.size = body.size;
  return body.pipe(valve);
}

function upload({ uploadUrl, abortAfter }) {
  return new Promise((resolve, reject) => {
    let fileId = null;
    let resumedFrom = null; // the offset of the last HEAD: where the upload really went on from
    let cutting = false;
    const options = {
      endpoint: args.endpoint,
      uploadUrl,
      headers: { Authorization: `Bearer ${args.token}` },
      metadata: { filename: args.file.split('/').pop() },
      retryDelays: [0, 250, 500, 1000, 2000],
      onBeforeRequest(request) {
        if (!abortAfter || cutting || request.getMethod() !== 'PATCH') return;
        // Cut the connection once abortAfter bytes of the body are out and the server had a moment to take them.
        const send = request.send.bind(request);
        request.send = (body) =>
          send(
            stallAfter(body, abortAfter, () => {
              cutting = true;
              setTimeout(
                () =>
                  tusUpload
                    .abort()
                    .then(() => resolve({ url: tusUpload.url, fileId: null, aborted: true, resumedFrom })),
                300,
              );
            }),
          );
      },
      onAfterResponse(request, response) {
        if (process.env.TUS_TRACE)
          console.error(
            request.getMethod(),
            request.getURL(),
            response.getStatus(),
            response.getHeader('Upload-Offset'),
          );
        if (request.getMethod() === 'HEAD' && response.getStatus() === 200)
          resumedFrom = Number(response.getHeader('Upload-Offset'));
        fileId = response.getHeader('Kiln-File-Id') ?? fileId;
      },
      onError: reject,
      onSuccess: () => resolve({ url: tusUpload.url, fileId, aborted: false, resumedFrom }),
    };
    if (args['chunk-size']) options.chunkSize = Number(args['chunk-size']);
    const tusUpload = new tus.Upload(fs.createReadStream(args.file), options);
    tusUpload.start();
  });
}

try {
  let result = await upload({ uploadUrl: args.resume, abortAfter: Number(args['abort-after'] ?? 0) });
  if (result.aborted && !args['stop-after-abort']) {
    // Resume at once, as a client would: if the server has not yet seen the connection go, HEAD
    // shows its last durable offset or PATCH meets the old writer's lock (423), and tus retries.
    result = await upload({ uploadUrl: result.url });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    JSON.stringify({
      uploadUrl: result.url,
      fileId: result.fileId,
      aborted: result.aborted,
      resumedFrom: result.resumedFrom,
      bytes: size,
      seconds,
    }),
  );
} catch (error) {
  console.error(String(error));
  process.exit(1);
}
