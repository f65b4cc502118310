'use strict';
// werift (the TypeScript WebRTC stack from npm, tests/node) against peer_echo: data channels,
// both ways round.
//   werift offers, peer_echo answers: werift opens a reliable ordered channel and an unordered
//     maxRetransmits=0 one, checks the echoes on both, closes both and checks that peer_echo
//     reports them closed.
//   peer_echo offers (--offer), werift answers: werift takes peer_echo's "echo" channel from its
//     datachannel event and runs the same checks on it and on an unordered channel of its own.
// Usage: node tests/interop/werift_echo.js PEER_ECHO, normally through
//   tests/interop/peers_netns.sh lo -- node tests/interop/werift_echo.js PEER_ECHO
// (KVS_PEER_NS, KVS_PEER_ADDR, KVS_LOCAL_ADDR say where peer_echo runs and which addresses to
// use; without them both run here on 127.0.0.1). Prints "ok   NAME" / "FAIL NAME" (+ indented
// details) per check and ends with "N passed, N failed".
const { spawn } = require('child_process');
// werift reads datagrams in JavaScript and falls behind a C sender on loopback now and then:
// with the default socket buffer (208 KiB) the kernel drops whole bursts, which a channel with
// maxRetransmits=0 never recovers. Its sockets get 4 MiB, so the link stays lossless.
const dgram = require('dgram');
const createSocket = dgram.createSocket;
dgram.createSocket = (type, listener) =>
  createSocket({ recvBufferSize: 4 << 20, ...(typeof type === 'string' ? { type } : type) }, listener);
const werift = require('../node/node_modules/werift');

const PEER_ECHO = process.argv[2];
if (!PEER_ECHO) { console.error('usage: werift_echo.js PEER_ECHO'); process.exit(2); }
const PEER_NS = process.env.KVS_PEER_NS || '';
const PEER_ADDR = process.env.KVS_PEER_ADDR || '127.0.0.1';
const LOCAL_ADDR = process.env.KVS_LOCAL_ADDR || '127.0.0.1';
// werift leaves out loopback unless it is listed here
const PC_CONFIG = { iceAdditionalHostAddresses: [LOCAL_ADDR], iceUseIpv6: false };
const PEER_ECHO_SECONDS = 60; // peer_echo's own lifetime bound; it is stopped as soon as a run ends

const sleep = ms => new Promise(r => setTimeout(r, ms));
// what: a string, or a function that describes the state at the time out
async function waitFor(cond, ms, what) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms: ${typeof what === 'function' ? what() : what}`);
    await sleep(5);
  }
}

// --- the messages ----------------------------------------------------------------------------
// xorshift32, so that every message has its own content
function rng(seed) {
  let x = (Math.imul(seed + 1, 2654435761) ^ 0x9e3779b9) >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
// size bytes: text is UTF-8 (an "é", then printable ASCII), binary takes every byte value
function content(k, size, text, head) {
  const r = rng(k), b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = text ? 0x20 + r() % 95 : r() & 0xff;
  if (text && size >= 2) b.write('é', 0, 'utf8');
  if (head) head.copy(b);
  return text ? b.toString('utf8') : b;
}
// the reliable run: 100 text and 100 binary messages in turn, the same 100 sizes for each
const SIZES = [1, 1200, 16384, 65536, 2, 1199, 1201, 16383, 16385, 65535];
for (let i = SIZES.length; i < 100; i++) SIZES.push(1 + (i * 2654435761) % 65536);
const RELIABLE = [];
SIZES.forEach((size, i) => { RELIABLE.push(content(2 * i, size, true)); RELIABLE.push(content(2 * i + 1, size, false)); });
// the unordered run: 100 messages that start with their number ("#00042" or 4 bytes), mostly
// one packet, every tenth one 8 KiB (fragmented)
const UNORDERED = [];
for (let k = 0; k < 100; k++) {
  const size = k % 10 === 9 ? 8192 : 8 + (k * 7919) % 1100, text = k % 2 === 0;
  const head = text ? Buffer.from('#' + String(k).padStart(5, '0')) : Buffer.alloc(4);
  if (!text) head.writeUInt32BE(k);
  UNORDERED.push(content(1000 + k, size, text, head));
}
const UNORDERED_MIN = 95;
const bytes = m => typeof m === 'string' ? Buffer.byteLength(m) : m.length;
const same = (a, b) => typeof a === typeof b && (typeof a === 'string' ? a === b : Buffer.compare(a, b) === 0);
const show = m => `${typeof m === 'string' ? 'text' : 'binary'} ${bytes(m)} B`;
const unorderedIndex = m => typeof m === 'string' ? (/^#(\d{5})/.exec(m) || [])[1] * 1 : m.length >= 4 ? m.readUInt32BE(0) : -1;

// Send msgs on ch while at most `window` bytes wait for their echo; echoes are collected by the
// channel's message handler into got. When nothing comes back for `stall` ms the run goes on
// (unordered, maxRetransmits=0) or fails (reliable).
async function sendAll(ch, msgs, got, window, stall, lossy) {
  let sent = 0;
  const echoedBytes = () => got.reduce((n, m) => n + bytes(m), 0);
  for (const m of msgs) {
    let last = got.length, since = Date.now();
    while (sent - echoedBytes() > window) {
      if (got.length !== last) { last = got.length; since = Date.now(); }
      if (Date.now() - since > stall) {
        if (lossy) break;
        throw new Error(`no echo for ${stall} ms after ${got.length} of ${msgs.length} messages`);
      }
      await sleep(2);
    }
    ch.send(m);
    sent += bytes(m);
  }
}

async function reliableRun(ch) {
  const got = [], t0 = Date.now();
  ch.onmessage = ev => got.push(ev.data);
  await sendAll(ch, RELIABLE, got, 512 * 1024, 10000, false);
  await waitFor(() => got.length >= RELIABLE.length, 20000, () => `echoes (${got.length} of ${RELIABLE.length})`);
  const bad = RELIABLE.findIndex((m, i) => !same(m, got[i]));
  if (bad >= 0 || got.length !== RELIABLE.length)
    throw new Error(bad >= 0 ? `echo ${bad} differs: sent ${show(RELIABLE[bad])}, got ${show(got[bad])}` : `${got.length} echoes`);
  const total = RELIABLE.reduce((n, m) => n + bytes(m), 0);
  return [`${RELIABLE.length} messages, ${total} bytes each way, in ${Date.now() - t0} ms`];
}

async function unorderedRun(ch) {
  const got = [], seen = new Set();
  let wrong = 0;
  ch.onmessage = ev => {
    got.push(ev.data);
    const k = unorderedIndex(ev.data);
    if (k >= 0 && k < UNORDERED.length && !seen.has(k) && same(ev.data, UNORDERED[k])) seen.add(k); else wrong++;
  };
  await sendAll(ch, UNORDERED, got, 64 * 1024, 1000, true);
  // all back, or nothing new for 2 s
  let n = -1, since = Date.now();
  await waitFor(() => {
    if (got.length !== n) { n = got.length; since = Date.now(); }
    return got.length >= UNORDERED.length || Date.now() - since > 2000;
  }, 15000, 'unordered echoes');
  const detail = `${seen.size} of ${UNORDERED.length} messages echoed intact (at least ${UNORDERED_MIN} wanted), ${wrong} wrong or repeated`;
  if (seen.size < UNORDERED_MIN || wrong) throw new Error(detail);
  return [detail];
}

// --- peer_echo as a child process --------------------------------------------------------------
class PeerEcho {
  constructor(args) {
    const cmd = [...(PEER_NS ? ['ip', 'netns', 'exec', PEER_NS] : []), PEER_ECHO,
      '--bind', PEER_ADDR, '--seconds', String(PEER_ECHO_SECONDS), ...args];
    this.out = ''; this.err = ''; this.exit = null;
    this.proc = spawn(cmd[0], cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', d => { this.out += d; });
    this.proc.stderr.on('data', d => { this.err += d; });
    this.proc.stdin.on('error', () => {});
    this.proc.on('exit', (code, signal) => { this.exit = signal || `exit ${code}`; });
    this.proc.on('error', e => { this.exit = e.message; });
  }
  // its description: the stdout lines before the "." line
  async description() {
    const dot = () => /^\.\r?$/m.exec(this.out);
    await waitFor(() => dot() || this.exit, 15000, 'peer_echo\'s description');
    if (!dot()) throw new Error(`peer_echo ended (${this.exit}) without a description`);
    return this.out.slice(0, dot().index);
  }
  give(sdp) { this.proc.stdin.end(sdp.replace(/\r?\n?$/, '\r\n') + '.\n'); }
  said(line) { return this.err.split('\n').includes('peer_echo: ' + line); }
  async stop() {
    if (!this.exit) this.proc.kill('SIGTERM');
    await waitFor(() => this.exit, 5000, 'peer_echo to stop').catch(() => this.proc.kill('SIGKILL'));
  }
  tail() { return this.err.trim().split('\n').slice(-8).map(l => 'peer_echo stderr: ' + l); }
}

// --- the checks ----------------------------------------------------------------------------
let passed = 0, failed = 0;
function report(ok, name, details) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  for (const d of details) for (const l of String(d).split(/\r?\n/)) if (l) console.log('    ' + l);
  if (ok) passed++; else failed++;
}
// Each run is a list of steps; when the first (the connection) fails the rest are reported
// failed, not run.
async function steps(prefix, ctx, list) {
  let broken = false;
  for (const [i, [name, fn]] of list.entries()) {
    if (broken) { report(false, `${prefix}: ${name}`, ['not run: no connection']); continue; }
    try {
      report(true, `${prefix}: ${name}`, (await fn()) || []);
    } catch (e) {
      broken = i === 0;
      report(false, `${prefix}: ${name}`, [e.message, ...(ctx.pe ? ctx.pe.tail() : []), ...(ctx.sdp || [])]);
    }
  }
}
// steps(), then the peer connection and peer_echo go
async function run(prefix, ctx, pc, list) {
  try {
    await steps(prefix, ctx, list);
  } finally {
    await Promise.race([pc.close().catch(() => {}), sleep(5000)]);
    if (ctx.pe) await ctx.pe.stop();
  }
}
const sdpLines = (who, sdp) => (sdp || '').trim().split(/\r?\n/).map(l => `${who}: ${l}`);
const reportedOpen = (ctx, chans) => waitFor(() => chans.every(ch => ctx.pe.said(`channel ${ch.id} open`)), 5000,
  `peer_echo to report channel ${chans.map(ch => ch.id).join(', ')} open`);
async function closeAndCheck(ctx, chans) {
  const ids = chans.map(ch => ch.id);
  chans.forEach(ch => ch.close());
  await waitFor(() => ids.every(id => ctx.pe.said(`channel ${id} closed`)), 5000,
    `peer_echo to report channels ${ids.join(', ')} closed`);
  return [`stream ids ${ids.join(', ')}`];
}

async function weriftOffers() {
  const ctx = {}, pc = new werift.RTCPeerConnection(PC_CONFIG);
  const t0 = Date.now();
  let rel, unr;
  await run('interop: werift offers, peer_echo answers', ctx, pc, [
    ['a reliable ordered and an unordered channel open', async () => {
      rel = pc.createDataChannel('reliable');
      unr = pc.createDataChannel('unordered', { ordered: false, maxRetransmits: 0 });
      await pc.setLocalDescription(await pc.createOffer());
      await waitFor(() => pc.iceGatheringState === 'complete', 10000, 'werift gathering');
      ctx.sdp = sdpLines('offer', pc.localDescription.sdp);
      ctx.pe = new PeerEcho([]);
      ctx.pe.give(pc.localDescription.sdp);
      const answer = await ctx.pe.description();
      ctx.sdp.push(...sdpLines('answer', answer));
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      await waitFor(() => rel.readyState === 'open' && unr.readyState === 'open', 15000,
        () => `channels open (reliable ${rel.readyState}, unordered ${unr.readyState}, connection ${pc.connectionState})`);
      await reportedOpen(ctx, [rel, unr]);
      ctx.sdp = null;
      return [`open ${Date.now() - t0} ms after start, stream ids ${rel.id} (reliable), ${unr.id} (unordered)`];
    }],
    ['100 text + 100 binary messages of 1 B .. 64 KiB echoed intact and in order', () => reliableRun(rel)],
    ['unordered maxRetransmits=0 channel echoes', () => unorderedRun(unr)],
    ['channels werift closes are reported closed by peer_echo', () => closeAndCheck(ctx, [rel, unr])],
  ]);
}

async function peerEchoOffers() {
  const ctx = {}, pc = new werift.RTCPeerConnection(PC_CONFIG);
  const t0 = Date.now();
  let echo = null, unr;
  pc.ondatachannel = ev => { if (ev.channel.label === 'echo') echo = ev.channel; };
  await run('interop: peer_echo offers, werift answers', ctx, pc, [
    ['peer_echo\'s "echo" channel arrives by the datachannel event and opens', async () => {
      ctx.pe = new PeerEcho(['--offer']);
      const offer = await ctx.pe.description();
      ctx.sdp = sdpLines('offer', offer);
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      await pc.setLocalDescription(await pc.createAnswer());
      await waitFor(() => pc.iceGatheringState === 'complete', 10000, 'werift gathering');
      ctx.sdp.push(...sdpLines('answer', pc.localDescription.sdp));
      ctx.pe.give(pc.localDescription.sdp);
      await waitFor(() => echo && echo.readyState === 'open', 15000,
        () => `the "echo" channel (${echo ? echo.readyState : 'no datachannel event'}, connection ${pc.connectionState})`);
      await reportedOpen(ctx, [echo]);
      ctx.sdp = null;
      return [`open ${Date.now() - t0} ms after start, stream id ${echo.id}, ordered ${echo.ordered}`];
    }],
    ['100 text + 100 binary messages of 1 B .. 64 KiB echoed intact and in order', () => reliableRun(echo)],
    ['unordered maxRetransmits=0 channel opened by werift echoes', async () => {
      unr = pc.createDataChannel('unordered', { ordered: false, maxRetransmits: 0 });
      await waitFor(() => unr.readyState === 'open', 5000, 'the unordered channel to open');
      await reportedOpen(ctx, [unr]);
      return [`stream id ${unr.id}`, ...(await unorderedRun(unr))];
    }],
    ['channels werift closes are reported closed by peer_echo', () => closeAndCheck(ctx, [echo, unr])],
  ]);
}

(async () => {
  await weriftOffers();
  await peerEchoOffers();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch(e => { console.log(`FAIL interop: werift: ${e.stack}`); console.log(`${passed} passed, ${failed + 1} failed`); process.exit(1); });
