// Shared by the Chromium interop tests (tests/interop/chromium_peer.js) and the Chromium
// benchmark (tools/bench/chromium_bench.js): headless Chromium driven by playwright-core with
// the page chromium_page.html, and peer_echo processes talking SDP over their stdin / stdout.
// Run through tests/interop/chromium.sh, which sets NODE_PATH and CHROMIUM.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { performance } = require('perf_hooks');
const { chromium } = require('playwright-core');

// Chromium hides host addresses behind mDNS names and ignores loopback by default; these flags
// make it gather plain 127.0.0.1 candidates (--use-fake-ui-for-media-stream counts as camera
// permission, which is what exposes real addresses).
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  // coturn's TLS certificate comes from a test CA Chromium does not know (turns:)
  '--ignore-certificate-errors',
];

const sleep = ms => new Promise(r => setTimeout(r, ms));

// promise, or a rejection after ms saying what did not happen
function within(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error('timed out after ' + ms + ' ms: ' + what)), ms);
  })]).finally(() => clearTimeout(t));
}

const children = new Set();
// every process started here dies with this one, whatever the way out
function killChildren() { for (const c of children) try { c.kill('SIGKILL'); } catch (e) { /* gone */ } }
process.on('exit', killChildren);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => { killChildren(); process.exit(sig === 'SIGINT' ? 130 : 143); });

// One peer_echo process. Its description (offer or answer) ends with a line ".", the other
// side's goes to its stdin the same way; stderr lines are kept for waitLine.
class PeerEcho {
  constructor(bin, args) {
    this.args = args;
    this.out = '';
    this.err = [];
    this.waiters = [];
    this.proc = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(this.proc);
    this.exited = new Promise(resolve => this.proc.on('exit', (code, sig) => {
      children.delete(this.proc);
      this.code = code === null ? sig : code;
      this.poke();
      resolve(this.code);
    }));
    this.proc.on('error', e => { this.err.push('spawn: ' + e.message); this.poke(); });
    this.proc.stdout.on('data', d => { this.out += d; this.poke(); });
    let partial = '';
    this.proc.stderr.on('data', d => {
      const lines = (partial + d).split('\n');
      partial = lines.pop();
      for (const l of lines) this.err.push(l);
      this.poke();
    });
    this.proc.stdin.on('error', () => { /* it exited; the waits report it */ });
  }
  poke() { for (const w of this.waiters.slice()) w(); }
  // resolve with f()'s value once it is not undefined; reject when the process exits first
  wait(f, ms, what) {
    let w;
    return within(new Promise((resolve, reject) => {
      w = () => {
        const v = f();
        if (v !== undefined) resolve(v);
        else if (this.code !== undefined) reject(new Error('peer_echo exited (' + this.code + ') while waiting for: ' + what));
      };
      this.waiters.push(w);
      w();
    }), ms, what).finally(() => { this.waiters = this.waiters.filter(x => x !== w); });
  }
  description(ms) {
    return this.wait(() => { const m = /^([\s\S]*?)^\.\r?$/m.exec(this.out); return m ? m[1] : undefined; },
      ms, 'peer_echo\'s description and its "." line');
  }
  // the remote description, ended by a "." line
  give(sdp) { this.proc.stdin.write(sdp.replace(/\s*$/, '\r\n') + '.\n'); }
  waitLine(re, ms) { return this.wait(() => this.err.find(l => re.test(l)), ms, 'a peer_echo stderr line ' + re); }
  // asleep: after start-up it blocks reading stdin (Linux /proc; elsewhere assumed at once)
  async blockedOnStdin(ms) {
    const file = '/proc/' + this.proc.pid + '/stat';
    if (!fs.existsSync(file)) return;
    const t0 = performance.now();
    while (/^\S+ \(.*\) (\S)/.exec(fs.readFileSync(file, 'utf8'))[1] !== 'S') {
      if (performance.now() - t0 > ms) throw new Error('peer_echo not waiting for its input after ' + ms + ' ms');
      await sleep(1);
    }
  }
  // inodes of its sockets (Linux /proc)
  socketInodes() {
    const dir = '/proc/' + this.proc.pid + '/fd';
    try {
      return fs.readdirSync(dir).map(f => { try { return fs.readlinkSync(dir + '/' + f); } catch (e) { return ''; } })
        .map(l => /^socket:\[(\d+)\]$/.exec(l)).filter(Boolean).map(m => m[1]);
    } catch (e) { return []; }
  }
  async stop() {
    if (this.code !== undefined) return this.code;
    this.proc.kill('SIGTERM');
    try { return await within(this.exited, 3000, 'peer_echo exiting'); }
    catch (e) { this.proc.kill('SIGKILL'); return this.exited; }
  }
  tail(n) { return this.err.filter(l => l).slice(-n); }
}

// UDP datagrams dropped so far for want of socket receive buffer space, per socket inode, in
// this network namespace (Linux /proc/net/udp; empty elsewhere)
function udpDrops() {
  const drops = {};
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try { text = fs.readFileSync(f, 'utf8'); } catch (e) { continue; }
    for (const l of text.split('\n').slice(1)) {
      const c = l.trim().split(/\s+/);
      if (c.length >= 13) drops[c[9]] = Number(c[c.length - 1]);
    }
  }
  return drops;
}

// "peer_echo N, others M": the drops since `before` (a udpDrops()), or '' when there were none
function dropsSince(before, pe) {
  const after = udpDrops(), mine = new Set(pe.socketInodes());
  let own = 0, other = 0;
  for (const ino in after) {
    const d = after[ino] - (before[ino] || 0);
    if (mine.has(ino)) own += d; else other += d;
  }
  return own || other ? `UDP datagrams dropped by full socket receive buffers: ${own} at peer_echo, ${other} elsewhere` : '';
}

// Serve chromium_page.html on 127.0.0.1 (a secure context) and open it in headless Chromium.
async function openBrowser() {
  const html = fs.readFileSync(path.join(__dirname, 'chromium_page.html'));
  const srv = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(html); });
  await new Promise(r => srv.listen(0, '127.0.0.1', r));
  const browser = await within(chromium.launch({
    executablePath: process.env.CHROMIUM || 'chromium', headless: true, args: FLAGS, timeout: 30000,
  }), 35000, 'Chromium starting');
  const page = await browser.newPage();
  page.setDefaultTimeout(60000);
  const pageErrors = [];
  page.on('pageerror', e => pageErrors.push(e.message));
  await page.goto('http://127.0.0.1:' + srv.address().port + '/');
  return {
    browser, page, pageErrors,
    async close() {
      await within(browser.close(), 10000, 'Chromium closing').catch(() => {});
      srv.close();
    },
  };
}

// page.evaluate(fn, arg), bounded; the rejection names the step
function inPage(page, ms, what, fn, arg) {
  return within(page.evaluate(fn, arg), ms, what).catch(e => {
    throw new Error(what + ': ' + String(e.message).split('\n')[0].replace(/^page\.evaluate: (Error: )?/, ''));
  });
}

module.exports = { PeerEcho, udpDrops, dropsSince, openBrowser, inPage, within, sleep, performance };
