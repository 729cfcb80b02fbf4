// The peer for the fan-out bench: a Socket.IO 4.8 server with every client in one room. POST
// /start?count=500&intervalMs=5&size=0 emits `count` events to the room, one every intervalMs (0: all
// at once), each shaped like a Kiln partial event with its emit time (µs) in data.at. Nothing is
// stored. Run by dev.kiln.bench.FanoutBench (bench/fanout.sh).
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';

const port = Number(process.argv.find((arg) => arg.startsWith('--port='))?.split('=')[1] ?? 0);
const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;
const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

const http = createServer((request, response) => {
  const url = new URL(request.url, 'http://localhost');
  if (request.method !== 'POST' || url.pathname !== '/start') {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(202).end();
  emit(Number(url.searchParams.get('count') ?? 500), Number(url.searchParams.get('intervalMs') ?? 5),
    'x'.repeat(Number(url.searchParams.get('size') ?? 0)));
});
const server = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
server.on('connection', (socket) => {
  socket.join('job');
  socket.emit('joined');
});

let seq = 0;
async function emit(count, intervalMillis, padding) {
  const start = performance.now();
  for (let index = 1; index <= count; index++) {
    seq++;
    server.to('job').emit('event', {
      job: 'job_bench', seq, kind: 'partial', data: { index, padding, at: nowMicros() }, ts: new Date().toISOString(),
    });
    const wait = start + index * intervalMillis - performance.now();
    if (wait > 0) {
      await sleep(wait);
    }
  }
}

http.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ port: http.address().port })));
