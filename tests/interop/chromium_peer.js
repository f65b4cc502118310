// Headless Chromium against peer_echo: data channels with Chromium offering and with Chromium
// answering, or (--relay) relay-only through coturn over TURN UDP, TCP and TLS.
// Usage (through the wrapper, which sets NODE_PATH and CHROMIUM):
//   tests/interop/chromium.sh tests/interop/chromium_peer.js PEER_ECHO
//   tests/interop/coturn_env.sh -- tests/interop/chromium.sh tests/interop/chromium_peer.js PEER_ECHO --relay
// Prints "ok   NAME" / "FAIL NAME" (details indented) and ends with "N passed, N failed".
'use strict';
const { PeerEcho, openBrowser, inPage, udpDrops, dropsSince } = require('./chromium_lib.js');

const PE = process.argv[2];
const RELAY = process.argv.includes('--relay');
const MAX = 64 * 1024;
let passed = 0, failed = 0;

function report(name, ok, details) {
  if (ok) passed++; else failed++;
  console.log((ok ? 'ok   ' : 'FAIL ') + name);
  for (const d of details) console.log('    ' + d);
}

// Run the steps of one scenario in order, one test line each; after a failure the remaining
// steps are reported failed without running. cleanup() runs in every case. A failure's details
// end with peer_echo's last stderr lines.
async function scenario(steps, cleanup, pe) {
  let broken = null;
  for (const [name, fn] of steps) {
    if (broken) { report(name, false, ['not run: ' + broken]); continue; }
    const details = [];
    try {
      await fn(details);
      report(name, true, details);
    } catch (e) {
      broken = 'an earlier step failed';
      report(name, false, details.concat([e.message], pe.tail(6).map(l => 'peer_echo: ' + l.replace(/^peer_echo: /, ''))));
    }
  }
  await cleanup();
}

const check = (cond, msg) => { if (!cond) throw new Error(msg); };
const mb = b => (b / 1e6).toFixed(1) + ' MB';

// what the details of a short echo add: Chromium's counts, and datagrams the sockets dropped
function lossDetails(r, drops, pe, details) {
  if (r.echoed < r.sent && r.stats) details.push(`Chromium counted ${r.stats.messagesSent} sent, ${r.stats.messagesReceived} received`);
  const dropped = dropsSince(drops, pe);
  if (dropped) details.push(dropped);
}

// the same echo checks whichever side offered
async function reliableEcho(page, pe, ch, each, details) {
  const info = await inPage(page, 2000, 'channel info', k => channelInfo(k), ch);
  check(info.ordered && info.maxRetransmits === null && info.maxPacketLifeTime === null,
    'channel "' + info.label + '" is not reliable and ordered: ' + JSON.stringify(info));
  const drops = udpDrops();
  const r = await inPage(page, 60000, 'echo check', a => echoCheck(a.ch, a.each, a.max, 30000), { ch, each, max: MAX });
  details.push(`channel "${info.label}" id ${info.id}: ${r.echoed} of ${r.sent} messages (${r.sizes.min} .. ${r.sizes.max} B, ${mb(r.bytes)}) back in ${r.ms} ms`);
  lossDetails(r, drops, pe, details);
  check(r.errors.length === 0 && r.echoed === r.sent, r.errors.join('; '));
  const complaints = pe.err.filter(l => /dropped|failed/.test(l));
  check(complaints.length === 0, 'peer_echo: ' + complaints.join('; '));
}

async function lossyEcho(page, pe, ch, details) {
  await inPage(page, 10000, 'unordered channel open', k => waitOpen(k, 10000), ch);
  const info = await inPage(page, 2000, 'channel info', k => channelInfo(k), ch);
  check(info.ordered === false && info.maxRetransmits === 0, 'not unordered with maxRetransmits 0: ' + JSON.stringify(info));
  const drops = udpDrops();
  const r = await inPage(page, 20000, 'unordered echo', k => lossyCheck(k, 100, 1000), ch);
  details.push(`channel "${info.label}" id ${info.id}: ${r.echoed} of ${r.sent} messages back intact (${r.outOfOrder} out of order)`);
  lossDetails(r, drops, pe, details);
  check(r.errors.length === 0, r.errors.join('; '));
  check(r.echoed >= 95, 'fewer than 95 echoed');
}

// close each channel from Chromium: peer_echo must print "channel ID closed", and Chromium's
// channel must reach "closed" (peer_echo reset its outgoing stream in turn)
async function closeChannels(page, pe, chans, details) {
  for (const ch of chans) {
    const id = await inPage(page, 2000, 'close', k => closeChannel(k), ch);
    await pe.waitLine(new RegExp('^peer_echo: channel ' + id + ' closed$'), 5000);
    await inPage(page, 6000, 'Chromium seeing the channel closed', k => waitClosed(k, 5000), ch);
    details.push(`channel id ${id}: peer_echo reported it closed, Chromium's channel is closed`);
  }
}

async function teardown(page, pc, pe) {
  if (pc) await inPage(page, 5000, 'close', k => closePc(k), pc).catch(() => {});
  await pe.stop();
}

async function chromiumOffers(page) {
  const name = 'interop: Chromium offers, peer_echo answers: ';
  const pe = new PeerEcho(PE, ['--bind', '127.0.0.1', '--seconds', '120']);
  let pc, rel, unr;
  await scenario([
    [name + 'reliable ordered channel, 100 text + 100 binary messages of 1 B .. 64 KiB echoed intact and in order', async d => {
      pc = await inPage(page, 2000, 'new RTCPeerConnection', () => newPc());
      rel = await inPage(page, 2000, 'createDataChannel', k => openChannel(k, 'reliable', { ordered: true }), pc);
      unr = await inPage(page, 2000, 'createDataChannel', k => openChannel(k, 'unordered', { ordered: false, maxRetransmits: 0 }), pc);
      pe.give(await inPage(page, 15000, 'Chromium offer', k => makeOffer(k, 10000), pc));
      const answer = await pe.description(15000);
      await inPage(page, 5000, 'setRemoteDescription(answer)', a => setAnswer(a.pc, a.sdp), { pc, sdp: answer });
      await inPage(page, 15000, 'reliable channel open', k => waitOpen(k, 15000), rel);
      await reliableEcho(page, pe, rel, 100, d);
    }],
    [name + 'unordered maxRetransmits=0 channel, at least 95 of 100 messages echoed', d => lossyEcho(page, pe, unr, d)],
    [name + 'channels Chromium closes are reported closed by peer_echo', d => closeChannels(page, pe, [unr, rel], d)],
  ], () => teardown(page, pc, pe), pe);
}

async function peerEchoOffers(page) {
  const name = 'interop: peer_echo offers, Chromium answers: ';
  const pe = new PeerEcho(PE, ['--offer', '--bind', '127.0.0.1', '--seconds', '120']);
  let pc, echo, unr;
  await scenario([
    [name + 'its "echo" channel arrives, 100 text + 100 binary messages of 1 B .. 64 KiB echoed intact and in order', async d => {
      const offer = await pe.description(15000);
      pc = await inPage(page, 2000, 'new RTCPeerConnection', () => newPc());
      pe.give(await inPage(page, 15000, 'Chromium answer', a => makeAnswer(a.pc, a.sdp, 10000), { pc, sdp: offer }));
      echo = await inPage(page, 16000, 'the "echo" channel', k => incomingChannel(k, 'echo', 15000), pc);
      await inPage(page, 10000, 'echo channel open', k => waitOpen(k, 10000), echo);
      await reliableEcho(page, pe, echo, 100, d);
    }],
    [name + 'Chromium\'s unordered maxRetransmits=0 channel, at least 95 of 100 messages echoed', async d => {
      unr = await inPage(page, 2000, 'createDataChannel', k => openChannel(k, 'unordered', { ordered: false, maxRetransmits: 0 }), pc);
      await lossyEcho(page, pe, unr, d);
    }],
    [name + 'channels Chromium closes (its own and peer_echo\'s) are reported closed by peer_echo', d => closeChannels(page, pe, [unr, echo], d)],
  ], () => teardown(page, pc, pe), pe);
}

// Chromium (iceTransportPolicy relay) offers, peer_echo --relay-only answers, both through the
// long-term-credential coturn of coturn_env.sh over the given transport.
async function relay(page, transport) {
  const env = process.env, port = a => a.replace(/^.*:/, '');
  const uri = {
    udp: [`turn:${env.KVS_TURN_LT_UDP}?transport=udp`, `turn:${env.KVS_TURN_LT_UDP}?transport=udp`],
    tcp: [`turn:${env.KVS_TURN_LT_TCP}?transport=tcp`, `turn:${env.KVS_TURN_LT_TCP}?transport=tcp`],
    tls: [`turns:${env.KVS_TURN_TLS_NAME}:${port(env.KVS_TURN_LT_TLS)}?transport=tcp`, `turns:${env.KVS_TURN_TLS_NAME}:${port(env.KVS_TURN_LT_TLS)}`],
  }[transport];
  const name = `interop: Chromium offers, peer_echo answers, relay-only through coturn over TURN ${transport}: 50 text + 50 binary messages echoed, selected pair relay`;
  const pe = new PeerEcho(PE, ['--bind', '127.0.0.1', '--seconds', '120', '--relay-only', '--turn', uri[1],
    '--turn-user', env.KVS_TURN_USER, '--turn-pass', env.KVS_TURN_PASS].concat(transport === 'tls' ? ['--ca', env.KVS_TURN_CA] : []));
  const cfg = { iceServers: [{ urls: uri[0], username: env.KVS_TURN_USER, credential: env.KVS_TURN_PASS }], iceTransportPolicy: 'relay' };
  let pc;
  await scenario([[name, async d => {
    pc = await inPage(page, 2000, 'new RTCPeerConnection', c => newPc(c), cfg);
    const rel = await inPage(page, 2000, 'createDataChannel', k => openChannel(k, 'reliable', { ordered: true }), pc);
    const offer = await inPage(page, 15000, 'Chromium offer', k => makeOffer(k, 10000), pc);
    check(/ typ relay/.test(offer) && !/ typ (host|srflx)/.test(offer), 'Chromium\'s offer holds other than relay candidates');
    pe.give(offer);
    const answer = await pe.description(15000);
    check(/ typ relay/.test(answer) && !/ typ (host|srflx)/.test(answer), 'peer_echo\'s answer holds other than relay candidates');
    await inPage(page, 5000, 'setRemoteDescription(answer)', a => setAnswer(a.pc, a.sdp), { pc, sdp: answer });
    await inPage(page, 20000, 'reliable channel open', k => waitOpen(k, 20000), rel);
    await reliableEcho(page, pe, rel, 50, d);
    const pair = await inPage(page, 5000, 'getStats', k => selectedPair(k), pc);
    check(pair, 'no selected candidate pair in getStats');
    d.push(`selected pair: local ${pair.local} ${pair.localAddr}, remote ${pair.remote} ${pair.remoteAddr}`);
    check(pair.local === 'relay' && pair.remote === 'relay', 'the selected pair is not relay to relay');
  }]], () => teardown(page, pc, pe), pe);
}

(async () => {
  const b = await openBrowser();
  try {
    if (RELAY) {
      for (const t of ['udp', 'tcp', 'tls']) await relay(b.page, t);
    } else {
      await chromiumOffers(b.page);
      await peerEchoOffers(b.page);
    }
    if (b.pageErrors.length) report('interop: Chromium page without script errors', false, b.pageErrors);
  } finally {
    await b.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch(e => {
  console.log('FAIL interop: Chromium harness');
  console.log('    ' + String(e && e.stack || e).split('\n').slice(0, 4).join('\n    '));
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
