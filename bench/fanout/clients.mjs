// Many followers of one stream of events, in one process: Kiln WebSocket clients (the Kiln protocol:
// auth, subscribe, answer pings) or Socket.IO clients (one room). Prints {"ready":true} once every
// client is subscribed, then one JSON line of figures once every client has the last event, has
// been closed, or nothing arrived for --quiet-s seconds.
//
// Latency is receive time minus the emit time stamped into each event (data.at, µs since the epoch);
// both ends read the same clock. Run by dev.kiln.bench.FanoutBench (bench/fanout.sh).
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { performance } from 'node:perf_hooks';

const options = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [name, ...value] = arg.replace(/^--/, '').split('=');
  return [name, value.join('=')];
}));
const target = options.target; // kiln | sio
const clients = Number(options.clients ?? 1000);
const events = Number(options.events ?? 500);
const quietMillis = Number(options['quiet-s'] ?? 20) * 1000;
const port = Number(options.port);

const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;
const latencies = new Float64Array(clients * events);
let samples = 0;
let delivered = 0; // measured events received, all clients
let otherEvents = 0; // Kiln's progress and state events
let outOfOrder = 0;
let firstEmit = Infinity;
let lastReceipt = 0;
let lastActivity = Date.now();
let subscribed = 0;
let finished = 0;
const closes = {};

function measured(data, client) {
  const now = nowMicros();
  if (data.index <= client.lastIndex) {
    outOfOrder++;
    return;
  }
  client.lastIndex = data.index;
  latencies[samples++] = now - data.at;
  delivered++;
  firstEmit = Math.min(firstEmit, data.at);
  lastReceipt = now;
  if (data.index === events) {
    finish(client);
  }
}

function finish(client) {
  if (!client.done) {
    client.done = true;
    finished++;
  }
}

function closed(client, code) {
  if (!client.done) {
    closes[code] = (closes[code] ?? 0) + 1;
    finish(client);
  }
}

function kilnClient(onSubscribed) {
  const client = { lastIndex: 0, done: false, subscribed: false };
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`, { perMessageDeflate: false });
  socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', token: options.token })));
  socket.on('message', (raw) => {
    lastActivity = Date.now();
    const message = JSON.parse(raw);
    switch (message.type) {
      case 'ping':
        socket.send(JSON.stringify({ type: 'pong', ts: message.ts }));
        break;
      case 'welcome':
        socket.send(JSON.stringify({ type: 'subscribe', jobs: [{ id: options.job }] }));
        break;
      case 'snapshot':
        client.subscribed = true;
        onSubscribed(true);
        break;
      case 'event':
        if (message.kind === 'partial') {
          measured(message.data, client);
        } else {
          otherEvents++;
        }
        break;
      default:
    }
  });
  socket.on('close', (code) => (client.subscribed ? closed(client, code) : onSubscribed(false)));
  socket.on('error', () => {});
  return () => socket.terminate();
}

function sioClient(onSubscribed) {
  const client = { lastIndex: 0, done: false, subscribed: false };
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  socket.on('joined', () => {
    client.subscribed = true;
    onSubscribed(true);
  });
  socket.on('event', (message) => {
    lastActivity = Date.now();
    measured(message.data, client);
  });
  socket.on('disconnect', (reason) => (client.subscribed ? closed(client, reason) : onSubscribed(false)));
  socket.on('connect_error', () => onSubscribed(false));
  return () => socket.close();
}

// Followers connect a few dozen at a time, and one that is closed before it has subscribed (a
// loaded machine may miss the authentication deadline) connects again: the measurement starts with all.
const stops = [];
let retries = 0;
function connect() {
  return new Promise((resolve) => {
    let stop;
    let settled = false;
    const onSubscribed = (ok) => {
      if (settled) {
        return;
      }
      settled = true;
      if (ok) {
        stops.push(stop);
        resolve();
      } else {
        retries++;
        stop();
        setTimeout(() => connect().then(resolve), 100);
      }
    };
    stop = target === 'kiln' ? kilnClient(onSubscribed) : sioClient(onSubscribed);
  });
}
let announced = false;
const waiting = setInterval(() => {
  if (announced) {
    clearInterval(waiting);
  } else {
    console.error(`clients: ${subscribed} of ${clients} subscribed, ${retries} connected again`);
  }
}, 10_000);

const pending = new Set();
for (let i = 0; i < clients; i++) {
  const connecting = connect().then(() => {
    subscribed++;
    pending.delete(connecting);
  });
  pending.add(connecting);
  if (pending.size >= 50) {
    await Promise.race(pending);
  }
}
await Promise.all(pending);
announced = true;
lastActivity = Date.now();
console.log(JSON.stringify({ ready: true, retries }));

const timer = setInterval(() => {
  const quiet = Date.now() - lastActivity > quietMillis;
  if (finished < clients && !quiet) {
    return;
  }
  clearInterval(timer);
  const sorted = latencies.subarray(0, samples).sort();
  const percentile = (p) => (samples === 0 ? 0 : sorted[Math.min(samples - 1, Math.ceil((p / 100) * samples) - 1)] / 1000);
  const spanMillis = (lastReceipt - firstEmit) / 1000;
  console.log(JSON.stringify({
    target, clients, subscribed, events, delivered, expected: clients * events, otherEvents, outOfOrder,
    unfinished: clients - finished, closes, spanMillis,
    p50: percentile(50), p99: percentile(99), max: percentile(100),
  }));
  stops.forEach((stop) => stop());
  setTimeout(() => process.exit(0), 200);
}, 100);
