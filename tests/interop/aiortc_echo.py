#!/usr/bin/python3
"""aiortc (Debian python3-aiortc) against peer_echo: data channels, both ways round.

  aiortc offers, peer_echo answers: aiortc opens a reliable ordered channel and an unordered
    maxRetransmits=0 one, checks the echoes on both, closes both and checks that peer_echo
    reports them closed.
  peer_echo offers (--offer), aiortc answers: aiortc takes peer_echo's "echo" channel from its
    datachannel event and runs the same checks on it and on an unordered channel of its own.

aioice never gathers loopback addresses, so this runs across a veth pair between two network
namespaces, aiortc in one and peer_echo (--bind) in the other:
  tests/interop/peers_netns.sh veth -- /usr/bin/python3 tests/interop/aiortc_echo.py PEER_ECHO
(KVS_PEER_NS, KVS_PEER_ADDR, KVS_LOCAL_ADDR say where peer_echo runs and which address it binds.)
Use Debian's /usr/bin/python3: another python3 on PATH may not see python3-aiortc.
Prints "ok   NAME" / "FAIL NAME" (+ indented details) per check and ends with "N passed, N failed".
"""
import asyncio
import os
import re
import sys
import time

import aioice.turn
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

# aiortc reads datagrams in Python and falls behind a C sender now and then: with aioice's socket
# buffer (256 KiB) the kernel drops whole bursts, which a channel with maxRetransmits=0 never
# recovers. Its sockets get 4 MiB, so the link stays lossless.
aioice.turn.UDP_SOCKET_BUFFER_SIZE = 4 << 20

PEER_ECHO_SECONDS = 60  # peer_echo's own lifetime bound; it is stopped as soon as a run ends


async def wait_for(cond, ms, what):
    """what: a string, or a function that describes the state at the time out"""
    t0 = time.monotonic()
    while not cond():
        if (time.monotonic() - t0) * 1000 > ms:
            raise RuntimeError("timed out after %d ms: %s" % (ms, what() if callable(what) else what))
        await asyncio.sleep(0.005)


# --- the messages ------------------------------------------------------------------------------
def rng(seed):
    """xorshift32, so that every message has its own content"""
    x = (((seed + 1) * 2654435761) & 0xFFFFFFFF) ^ 0x9E3779B9 or 1

    def nxt():
        nonlocal x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        return x
    return nxt


def content(k, size, text, head=b""):
    """size bytes: text is UTF-8 (an "é", then printable ASCII), binary takes every byte value"""
    r = rng(k)
    b = bytearray((0x20 + r() % 95) if text else (r() & 0xFF) for _ in range(size))
    if text and size >= 2:
        b[0:2] = "é".encode()
    b[0:len(head)] = head
    return b.decode() if text else bytes(b)


# the reliable run: 100 text and 100 binary messages in turn, the same 100 sizes for each
SIZES = [1, 1200, 16384, 65536, 2, 1199, 1201, 16383, 16385, 65535]
SIZES += [1 + (i * 2654435761) % 65536 for i in range(len(SIZES), 100)]
RELIABLE = [m for i, size in enumerate(SIZES) for m in (content(2 * i, size, True), content(2 * i + 1, size, False))]
# the unordered run: 100 messages that start with their number ("#00042" or 4 bytes), mostly
# one packet, every tenth one 8 KiB (fragmented)
UNORDERED = [content(1000 + k, 8192 if k % 10 == 9 else 8 + (k * 7919) % 1100, k % 2 == 0,
                     b"#%05d" % k if k % 2 == 0 else k.to_bytes(4, "big")) for k in range(100)]
UNORDERED_MIN = 95


def nbytes(m):
    return len(m.encode()) if isinstance(m, str) else len(m)


def show(m):
    return "none" if m is None else "%s %d B" % ("text" if isinstance(m, str) else "binary", nbytes(m))


def unordered_index(m):
    if isinstance(m, str):
        g = re.match(r"#(\d{5})", m)
        return int(g.group(1)) if g else -1
    return int.from_bytes(m[:4], "big") if len(m) >= 4 else -1


async def send_all(ch, msgs, got, window, stall, lossy):
    """Send msgs on ch while at most window bytes wait for their echo; the channel's message
    handler collects echoes into got. When nothing comes back for stall ms the run goes on
    (unordered, maxRetransmits=0) or fails (reliable)."""
    sent = 0
    for m in msgs:
        last, since = len(got), time.monotonic()
        while sent - sum(nbytes(x) for x in got) > window:
            if len(got) != last:
                last, since = len(got), time.monotonic()
            if (time.monotonic() - since) * 1000 > stall:
                if lossy:
                    break
                raise RuntimeError("no echo for %d ms after %d of %d messages" % (stall, len(got), len(msgs)))
            await asyncio.sleep(0.002)
        ch.send(m)
        sent += nbytes(m)


async def reliable_run(ch):
    got, t0 = [], time.monotonic()
    ch.remove_all_listeners("message")
    ch.on("message", got.append)
    await send_all(ch, RELIABLE, got, 512 * 1024, 10000, False)
    await wait_for(lambda: len(got) >= len(RELIABLE), 20000, lambda: "echoes (%d of %d)" % (len(got), len(RELIABLE)))
    for i, m in enumerate(RELIABLE):
        if i >= len(got) or type(m) is not type(got[i]) or m != got[i]:
            raise RuntimeError("echo %d differs: sent %s, got %s" % (i, show(m), show(got[i] if i < len(got) else None)))
    if len(got) != len(RELIABLE):
        raise RuntimeError("%d echoes" % len(got))
    return ["%d messages, %d bytes each way, in %d ms" % (len(RELIABLE), sum(map(nbytes, RELIABLE)),
                                                          (time.monotonic() - t0) * 1000)]


async def unordered_run(ch):
    got, seen, wrong = [], set(), [0]

    def on_message(m):
        got.append(m)
        k = unordered_index(m)
        if 0 <= k < len(UNORDERED) and k not in seen and type(m) is type(UNORDERED[k]) and m == UNORDERED[k]:
            seen.add(k)
        else:
            wrong[0] += 1
    ch.remove_all_listeners("message")
    ch.on("message", on_message)
    await send_all(ch, UNORDERED, got, 64 * 1024, 1000, True)
    # all back, or nothing new for 2 s
    state = {"n": -1, "since": time.monotonic()}

    def done():
        if len(got) != state["n"]:
            state["n"], state["since"] = len(got), time.monotonic()
        return len(got) >= len(UNORDERED) or time.monotonic() - state["since"] > 2
    await wait_for(done, 15000, "unordered echoes")
    detail = "%d of %d messages echoed intact (at least %d wanted), %d wrong or repeated" % (
        len(seen), len(UNORDERED), UNORDERED_MIN, wrong[0])
    if len(seen) < UNORDERED_MIN or wrong[0]:
        raise RuntimeError(detail)
    return [detail]


# --- peer_echo as a child process --------------------------------------------------------------
class PeerEcho:
    async def start(self, args):
        ns = os.environ.get("KVS_PEER_NS", "")
        cmd = (["ip", "netns", "exec", ns] if ns else []) + [
            sys.argv[1], "--bind", os.environ.get("KVS_PEER_ADDR", "127.0.0.1"),
            "--seconds", str(PEER_ECHO_SECONDS)] + args
        self.out, self.err, self.exit = "", "", None
        self.proc = await asyncio.create_subprocess_exec(*cmd, stdin=asyncio.subprocess.PIPE,
                                                         stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        self.tasks = [asyncio.ensure_future(self._read(self.proc.stdout, "out")),
                      asyncio.ensure_future(self._read(self.proc.stderr, "err")),
                      asyncio.ensure_future(self._wait())]
        return self

    async def _read(self, stream, attr):
        while True:
            d = await stream.read(4096)
            if not d:
                return
            setattr(self, attr, getattr(self, attr) + d.decode(errors="replace"))

    async def _wait(self):
        rc = await self.proc.wait()
        self.exit = "signal %d" % -rc if rc < 0 else "exit %d" % rc

    def _dot(self):
        return re.search(r"^\.\r?$", self.out, re.M)

    async def description(self):
        """its description: the stdout lines before the "." line"""
        await wait_for(lambda: self._dot() or self.exit, 15000, "peer_echo's description")
        if not self._dot():
            raise RuntimeError("peer_echo ended (%s) without a description" % self.exit)
        return self.out[:self._dot().start()]

    def give(self, sdp):
        self.proc.stdin.write((sdp.rstrip("\r\n") + "\r\n.\n").encode())
        self.proc.stdin.close()

    def said(self, line):
        return ("peer_echo: " + line) in self.err.split("\n")

    async def stop(self):
        if self.exit is None:
            self.proc.terminate()
        try:
            await wait_for(lambda: self.exit, 5000, "peer_echo to stop")
        except RuntimeError:
            self.proc.kill()
        for t in self.tasks:
            t.cancel()

    def tail(self):
        return ["peer_echo stderr: " + l for l in self.err.strip().split("\n")[-8:]]


# --- the checks ----------------------------------------------------------------------------------
COUNT = {"passed": 0, "failed": 0}


def report(ok, name, details):
    print("%s %s" % ("ok  " if ok else "FAIL", name))
    for d in details:
        for l in str(d).splitlines():
            if l:
                print("    " + l)
    COUNT["passed" if ok else "failed"] += 1
    sys.stdout.flush()


async def steps(prefix, ctx, lst):
    """Each run is a list of steps; when the first (the connection) fails the rest are reported
    failed, not run."""
    broken = False
    for i, (name, fn) in enumerate(lst):
        if broken:
            report(False, "%s: %s" % (prefix, name), ["not run: no connection"])
            continue
        try:
            report(True, "%s: %s" % (prefix, name), (await fn()) or [])
        except Exception as e:  # a failed check, or an error in the peer
            broken = i == 0
            report(False, "%s: %s" % (prefix, name), [str(e) or repr(e)] + (ctx["pe"].tail() if ctx.get("pe") else []) +
                   (ctx.get("sdp") or []))


def sdp_lines(who, sdp):
    return ["%s: %s" % (who, l) for l in sdp.strip().splitlines()]


async def reported_open(ctx, chans):
    await wait_for(lambda: all(ctx["pe"].said("channel %d open" % ch.id) for ch in chans), 5000,
                   "peer_echo to report channel %s open" % ", ".join(str(ch.id) for ch in chans))


async def close_and_check(ctx, chans):
    ids = [ch.id for ch in chans]
    for ch in chans:
        ch.close()
    await wait_for(lambda: all(ctx["pe"].said("channel %d closed" % i) for i in ids), 5000,
                   "peer_echo to report channels %s closed" % ", ".join(map(str, ids)))
    return ["stream ids " + ", ".join(map(str, ids))]


async def run(prefix, ctx, pc, lst):
    """steps(), then the peer connection and peer_echo go"""
    try:
        await steps(prefix, ctx, lst)
    finally:
        try:
            await asyncio.wait_for(pc.close(), 5)
        except asyncio.TimeoutError:
            pass
        if ctx.get("pe"):
            await ctx["pe"].stop()


def new_pc():
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


async def aiortc_offers():
    ctx, pc, t0, ch = {}, new_pc(), time.monotonic(), {}

    async def negotiate():
        ch["rel"] = pc.createDataChannel("reliable")
        ch["unr"] = pc.createDataChannel("unordered", ordered=False, maxRetransmits=0)
        await pc.setLocalDescription(await pc.createOffer())  # gathers every candidate
        ctx["sdp"] = sdp_lines("offer", pc.localDescription.sdp)
        ctx["pe"] = await PeerEcho().start([])
        ctx["pe"].give(pc.localDescription.sdp)
        answer = await ctx["pe"].description()
        ctx["sdp"] += sdp_lines("answer", answer)
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await wait_for(lambda: ch["rel"].readyState == "open" and ch["unr"].readyState == "open", 15000,
                       lambda: "channels open (reliable %s, unordered %s, connection %s)" % (
                           ch["rel"].readyState, ch["unr"].readyState, pc.connectionState))
        await reported_open(ctx, [ch["rel"], ch["unr"]])
        ctx["sdp"] = None
        return ["open %d ms after start, stream ids %d (reliable), %d (unordered)" % (
            (time.monotonic() - t0) * 1000, ch["rel"].id, ch["unr"].id)]
    await run("interop: aiortc offers, peer_echo answers", ctx, pc, [
        ("a reliable ordered and an unordered channel open", negotiate),
        ("100 text + 100 binary messages of 1 B .. 64 KiB echoed intact and in order", lambda: reliable_run(ch["rel"])),
        ("unordered maxRetransmits=0 channel echoes", lambda: unordered_run(ch["unr"])),
        ("channels aiortc closes are reported closed by peer_echo", lambda: close_and_check(ctx, [ch["rel"], ch["unr"]])),
    ])


async def peer_echo_offers():
    ctx, pc, t0, ch = {}, new_pc(), time.monotonic(), {}

    @pc.on("datachannel")
    def on_datachannel(c):
        if c.label == "echo":
            ch["echo"] = c

    async def negotiate():
        ctx["pe"] = await PeerEcho().start(["--offer"])
        offer = await ctx["pe"].description()
        ctx["sdp"] = sdp_lines("offer", offer)
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())  # gathers every candidate
        ctx["sdp"] += sdp_lines("answer", pc.localDescription.sdp)
        ctx["pe"].give(pc.localDescription.sdp)
        await wait_for(lambda: "echo" in ch and ch["echo"].readyState == "open", 15000,
                       lambda: 'the "echo" channel (%s, connection %s)' % (
                           ch["echo"].readyState if "echo" in ch else "no datachannel event", pc.connectionState))
        await reported_open(ctx, [ch["echo"]])
        ctx["sdp"] = None
        return ["open %d ms after start, stream id %d, ordered %s" % (
            (time.monotonic() - t0) * 1000, ch["echo"].id, ch["echo"].ordered)]

    async def own_unordered():
        ch["unr"] = pc.createDataChannel("unordered", ordered=False, maxRetransmits=0)
        await wait_for(lambda: ch["unr"].readyState == "open", 5000, "the unordered channel to open")
        await reported_open(ctx, [ch["unr"]])
        return ["stream id %d" % ch["unr"].id] + await unordered_run(ch["unr"])
    await run("interop: peer_echo offers, aiortc answers", ctx, pc, [
        ('peer_echo\'s "echo" channel arrives by the datachannel event and opens', negotiate),
        ("100 text + 100 binary messages of 1 B .. 64 KiB echoed intact and in order", lambda: reliable_run(ch["echo"])),
        ("unordered maxRetransmits=0 channel opened by aiortc echoes", own_unordered),
        ("channels aiortc closes are reported closed by peer_echo", lambda: close_and_check(ctx, [ch["echo"], ch["unr"]])),
    ])


async def main():
    if len(sys.argv) != 2:
        print("usage: aiortc_echo.py PEER_ECHO", file=sys.stderr)
        return 2
    await aiortc_offers()
    await peer_echo_offers()
    print("%d passed, %d failed" % (COUNT["passed"], COUNT["failed"]))
    return 1 if COUNT["failed"] else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
