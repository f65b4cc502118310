// Benchmark against headless Chromium, each figure next to Chromium's own measured in the same
// run: the time to a usable data channel with peer_echo answering Chromium's offer, and the echo
// throughput of a reliable channel. Run by `make bench` as
//   tests/interop/chromium.sh tools/bench/chromium_bench.js PEER_ECHO [RUNS [THROUGHPUT_RUNS]]
// (the wrapper runs it in a loopback-only network namespace and sets NODE_PATH and CHROMIUM).
'use strict';
const { PeerEcho, openBrowser, inPage, performance } = require('../../tests/interop/chromium_lib.js');

const PE = process.argv[2];
const RUNS = Number(process.argv[3] || 10), TP_RUNS = Number(process.argv[4] || 5);
const TOTAL = 32 << 20, SIZE = 64 << 10, BUFFERED = 512 << 10, WINDOW = 1 << 20;
const units = b => b >= 1 << 20 ? (b >> 20) + ' MiB' : (b >> 10) + ' KiB';
const nodeEpoch = () => performance.timeOrigin + performance.now();

// The page's epoch clock minus this process's, from the quickest of 50 round trips; the error is
// at most half that round trip.
async function clockOffset(page) {
  let best = { rtt: Infinity };
  for (let i = 0; i < 50; i++) {
    const a = nodeEpoch(), p = await page.evaluate(() => epochMs()), b = nodeEpoch();
    if (b - a < best.rtt) best = { rtt: b - a, offset: p - (a + b) / 2 };
  }
  return best;
}

// Chromium offers, peer_echo answers: from writing the complete offer to peer_echo's stdin (once
// peer_echo waits for it) to the "open" event of Chromium's channel.
async function peerEchoConnect(page, offset) {
  const pe = new PeerEcho(PE, ['--bind', '127.0.0.1', '--seconds', '120']);
  const pc = await inPage(page, 2000, 'new RTCPeerConnection', () => newPc());
  const ch = await inPage(page, 2000, 'createDataChannel', k => openChannel(k, 'bench'), pc);
  const offer = await inPage(page, 15000, 'Chromium offer', k => makeOffer(k, 10000), pc);
  await pe.blockedOnStdin(5000);
  const t0 = nodeEpoch();
  pe.give(offer);
  const answer = await pe.description(10000);
  await inPage(page, 5000, 'setRemoteDescription(answer)', a => setAnswer(a.pc, a.sdp), { pc, sdp: answer });
  await inPage(page, 10000, 'channel open', k => waitOpen(k, 10000), ch);
  const openAt = (await inPage(page, 2000, 'channel info', k => channelInfo(k), ch)).openAt;
  return { ms: openAt - offset - t0, ch, close: async () => { await inPage(page, 5000, 'close', k => closePc(k), pc); await pe.stop(); } };
}

async function chromiumConnect(page) {
  const r = await inPage(page, 30000, 'Chromium to Chromium', () => connectInPage(10000));
  return { ms: r.ms, ch: r.ch, close: () => inPage(page, 5000, 'close', p => p.forEach(closePc), r.pcs) };
}

function echoThroughput(page, ch) {
  return inPage(page, 120000, 'echo throughput', a => throughput(a.ch, a.total, a.size, a.buffered, a.window, 60000),
    { ch, total: TOTAL, size: SIZE, buffered: BUFFERED, window: WINDOW });
}

const sorted = a => a.slice().sort((x, y) => x - y);
const median = a => { const s = sorted(a); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const row = (what, a, unit, digits) => console.log(`  ${what.padEnd(34)} ${median(a).toFixed(digits).padStart(8)} ${unit}  ` +
  `(${sorted(a)[0].toFixed(digits)} .. ${sorted(a)[a.length - 1].toFixed(digits)})`);

(async () => {
  const b = await openBrowser(), page = b.page;
  try {
    const clock = await clockOffset(page);
    const conn = { pe: [], page: [] }, tp = { pe: [], page: [] };
    // interleaved, so that both see the same machine
    for (let i = 0; i < RUNS; i++) {
      for (const [who, connect] of [['pe', () => peerEchoConnect(page, clock.offset)], ['page', () => chromiumConnect(page)]]) {
        const c = await connect();
        conn[who].push(c.ms);
        if (i < TP_RUNS) {
          const r = await echoThroughput(page, c.ch);
          tp[who].push(r.bytes / 1e6 / (r.ms / 1e3));
        }
        await c.close();
      }
    }
    console.log(`Chromium ${b.browser.version()} (headless) and peer_echo, data channels over UDP on loopback.`);
    console.log(`Connect: complete offer handed to the answerer -> the offerer's channel "open" event; non-trickle`);
    console.log(`  (each answerer gathers before answering), median of ${RUNS} (min .. max); peer_echo's figure includes`);
    console.log(`  its answer passing through stdout and the driver (clocks matched to +-${(clock.rtt / 2).toFixed(2)} ms).`);
    row('peer_echo answering Chromium', conn.pe, 'ms', 1);
    row('Chromium answering Chromium', conn.page, 'ms', 1);
    console.log(`Echo throughput: ${units(TOTAL)} in ${units(SIZE)} binary messages, reliable ordered, sent by Chromium`);
    console.log(`  and echoed back (at most ${units(BUFFERED)} buffered, ${units(WINDOW)} not yet echoed); MB = 10^6 bytes one way;`);
    console.log(`  median of ${TP_RUNS} (min .. max).`);
    row('peer_echo echoing Chromium', tp.pe, 'MB/s', 1);
    row('Chromium echoing Chromium', tp.page, 'MB/s', 1);
  } finally {
    await b.close();
  }
  process.exit(0);
})().catch(e => {
  console.error('chromium_bench: ' + String(e && e.message || e).split('\n')[0]);
  process.exit(1);
});
