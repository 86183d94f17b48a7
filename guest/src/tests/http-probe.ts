// Drives the raw `wasi_experimental_http` ABI so the host's tests can provoke
// every error code a guest can cause, including with bad pointers and handles.
//
//   argv: http-probe.wasm SCENARIO [URL] [EXTRA...]   (scenarios: see SCENARIOS)
//   out:  one "key:value" line per fact, in call order:
//         "<abi function>:<code>" for each ABI call (req, body_read, header_get,
//         headers_get_all, close; for a body, body_read is the final read only),
//         "code:<n>" once: the code of the scenario's key call, or of the first
//         call that failed before it,
//         and scenario facts: status, body-bytes, body-chunks, body-fnv1a
//         (FNV-1a 32 of the body, 8 lowercase hex digits), body (only when at
//         most 1024 bytes; \ \n \r escaped), header, header-line, opened, ...
//   exit: 0 when the scenario ran (whatever the codes) | 2 on a usage error
import * as abi from "../../lib/http-abi";
import { argOr, parseDecimal } from "../../lib/args";
import { eprintln, println } from "../../lib/console";

const OUT_STATUS: usize = memory.data(4);
const OUT_HANDLE: usize = memory.data(4);
const OUT_COUNT: usize = memory.data(4);

const MISSING_HEADER = "x-wasi-probe-missing";
const POST_HEADERS = "X-Test:1\nContent-Type:text/plain";
const MAX_BODY_ECHO = 1024;
const BAD_HANDLE = 9999;
// Well past any memory this guest will have, and past 2 GiB (a negative i32).
const FAR_POINTER: i32 = 0x7fffff00;
const NEGATIVE_POINTER: i32 = <i32>0xfffffff0;

const SCENARIOS =
  "get URL [CHUNK=1000] | get-header URL NAME | headers-all URL | post URL BODY | " +
  "bad-method URL | bad-url | bad-handle | oob-pointer URL | oob-negative URL | oob-length URL | " +
  "oob-status URL | oob-body URL | small-buffer URL [NAME=date] | missing-header URL | " +
  "bad-utf8 URL | bad-utf8-header URL | bad-header-line URL | too-many URL [N=100] | denied URL";

@inline function addressOf(buffer: ArrayBuffer): i32 {
  return <i32>changetype<usize>(buffer);
}

function utf8(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

function fact(name: string, value: string): void {
  println(name + ":" + value);
}

function reported(name: string, code: i32): i32 {
  fact(name, code.toString());
  return code;
}

/** The end of linear memory right now, as the host sees it. */
function memoryEnd(): i32 {
  return memory.size() << 16;
}

class Sent {
  constructor(public readonly code: i32, public readonly handle: i32) {}
}

function sendRaw(
  urlPtr: i32, urlLen: i32, method: string, headers: string, body: ArrayBuffer | null,
  statusPtr: i32 = <i32>OUT_STATUS,
): Sent {
  const methodBytes = utf8(method);
  const headerBytes = utf8(headers);
  const code = reported("req", abi.req(
    urlPtr, urlLen,
    addressOf(methodBytes), methodBytes.byteLength,
    addressOf(headerBytes), headerBytes.byteLength,
    body != null ? addressOf(body) : 0, body != null ? body.byteLength : 0,
    statusPtr, <i32>OUT_HANDLE,
  ));
  if (code != 0) return new Sent(code, -1);
  fact("status", load<u16>(OUT_STATUS).toString());
  return new Sent(code, <i32>load<u32>(OUT_HANDLE));
}

function send(url: string, method: string = "GET", headers: string = "", body: ArrayBuffer | null = null): Sent {
  const urlBytes = utf8(url);
  return sendRaw(addressOf(urlBytes), urlBytes.byteLength, method, headers, body);
}

/** Prints code: for a scenario whose key call is the request itself, and closes what it opened. */
function requestOnly(sent: Sent): void {
  fact("code", sent.code.toString());
  if (sent.code == 0) reported("close", abi.close(sent.handle));
}

function escaped(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\r", "\\r");
}

function hex8(value: u32): string {
  let text = "";
  for (let shift = 28; shift >= 0; shift -= 4) {
    const digit = (value >> shift) & 0xf;
    text += String.fromCharCode(digit < 10 ? 0x30 + digit : 0x57 + digit);
  }
  return text;
}

/** Reads the whole body through a `chunk`-byte buffer and prints what came back. */
function readBody(handle: i32, chunk: i32): void {
  const buffer = new ArrayBuffer(chunk);
  const echo = new ArrayBuffer(MAX_BODY_ECHO);
  let total: i64 = 0;
  let chunks = 0;
  let hash: u32 = 0x811c9dc5;
  let code = 0;
  while (true) {
    code = abi.body_read(handle, addressOf(buffer), chunk, <i32>OUT_COUNT);
    if (code != 0) break;
    const count = <i32>load<u32>(OUT_COUNT);
    if (count == 0) break;
    for (let i = 0; i < count; i++) {
      const byte = load<u8>(changetype<usize>(buffer) + <usize>i);
      hash = (hash ^ byte) * 0x01000193;
      if (total + i < MAX_BODY_ECHO) store<u8>(changetype<usize>(echo) + <usize>(total + i), byte);
    }
    total += count;
    chunks++;
  }
  reported("body_read", code);
  fact("body-bytes", total.toString());
  fact("body-chunks", chunks.toString());
  fact("body-fnv1a", hex8(hash));
  if (total <= MAX_BODY_ECHO) fact("body", escaped(String.UTF8.decodeUnsafe(changetype<usize>(echo), <usize>total)));
}

function headerGet(handle: i32, name: ArrayBuffer, capacity: i32): i32 {
  const value = new ArrayBuffer(capacity);
  const code = reported("header_get", abi.header_get(
    handle, addressOf(name), name.byteLength, addressOf(value), capacity, <i32>OUT_COUNT,
  ));
  if (code == 0) fact("header", String.UTF8.decodeUnsafe(changetype<usize>(value), load<u32>(OUT_COUNT)));
  return code;
}

function headersAll(handle: i32, capacity: i32): i32 {
  const buffer = new ArrayBuffer(capacity);
  const code = reported("headers_get_all", abi.headers_get_all(handle, addressOf(buffer), capacity, <i32>OUT_COUNT));
  if (code == 0) {
    const lines = String.UTF8.decodeUnsafe(changetype<usize>(buffer), load<u32>(OUT_COUNT)).split("\n");
    for (let i = 0; i < lines.length; i++) if (lines[i].length > 0) fact("header-line", lines[i]);
  }
  return code;
}

/** Sends a GET, runs `probe` on the handle (its code is the key code), then closes. */
function withResponse(url: string, probe: (handle: i32) => i32): void {
  const sent = send(url);
  if (sent.code != 0) {
    fact("code", sent.code.toString());
    return;
  }
  fact("code", probe(sent.handle).toString());
  reported("close", abi.close(sent.handle));
}

function scenarioGet(url: string, chunk: i32): void {
  const sent = send(url);
  fact("code", sent.code.toString());
  if (sent.code != 0) return;
  readBody(sent.handle, chunk);
  reported("close", abi.close(sent.handle));
}

function scenarioPost(url: string, body: string): void {
  const sent = send(url, "POST", POST_HEADERS, utf8(body));
  fact("code", sent.code.toString());
  if (sent.code != 0) return;
  headersAll(sent.handle, 64 * 1024);
  readBody(sent.handle, 1000);
  reported("close", abi.close(sent.handle));
}

function scenarioBadHandle(): void {
  const code = reported("body_read", abi.body_read(BAD_HANDLE, <i32>OUT_COUNT, 4, <i32>OUT_COUNT));
  const name = utf8("content-type");
  headerGet(BAD_HANDLE, name, 64);
  headersAll(BAD_HANDLE, 64);
  reported("close", abi.close(BAD_HANDLE));
  fact("code", code.toString());
}

function scenarioOobStatus(url: string): void {
  const urlBytes = utf8(url);
  // The u16 status would straddle the end of memory by one byte.
  requestOnly(sendRaw(addressOf(urlBytes), urlBytes.byteLength, "GET", "", null, memoryEnd() - 1));
}

function scenarioOobBody(url: string): void {
  withResponse(url, (handle: i32): i32 => {
    return reported("body_read", abi.body_read(handle, memoryEnd() - 10, 100, <i32>OUT_COUNT));
  });
}

function scenarioBadUtf8(url: string): void {
  const text = utf8(url + "/");
  const bytes = new Uint8Array(text.byteLength + 2);
  bytes.set(Uint8Array.wrap(text));
  bytes[text.byteLength] = 0xff; // never valid in UTF-8
  bytes[text.byteLength + 1] = 0xfe;
  requestOnly(sendRaw(<i32>bytes.dataStart, bytes.byteLength, "GET", "", null));
}

function scenarioTooMany(url: string, count: i32): void {
  const handles = new Array<i32>();
  let failure = 0;
  for (let i = 0; i < count; i++) {
    const urlBytes = utf8(url);
    const code = abi.req(
      addressOf(urlBytes), urlBytes.byteLength, addressOf(utf8("GET")), 3, 0, 0, 0, 0,
      <i32>OUT_STATUS, <i32>OUT_HANDLE,
    );
    if (code != 0) {
      failure = reported("req", code);
      break;
    }
    handles.push(<i32>load<u32>(OUT_HANDLE));
  }
  fact("opened", handles.length.toString());
  fact("code", failure.toString());
  let closeErrors = 0;
  for (let i = 0; i < handles.length; i++) if (abi.close(handles[i]) != 0) closeErrors++;
  fact("closed", (handles.length - closeErrors).toString());
  fact("close-errors", closeErrors.toString());
  // Closing must free the slots: the limit counts open handles, not requests made.
  const after = send(url);
  if (after.code == 0) reported("close", abi.close(after.handle));
}

function requireUrl(): string {
  const url = argOr(2, "");
  if (url.length == 0) usage("scenario " + argOr(1, "") + " needs a URL");
  return url;
}

function positiveArg(index: i32, fallback: i32): i32 {
  const given = argOr(index, "");
  if (given.length == 0) return fallback;
  const value = parseDecimal(given);
  if (value <= 0 || value > 0x7fffffff) usage("argument " + index.toString() + " must be a positive integer, got " + given);
  return <i32>value;
}

function usage(problem: string): void {
  eprintln("http-probe: " + problem);
  eprintln("usage: http-probe.wasm SCENARIO [URL] [EXTRA...]; scenarios: " + SCENARIOS);
  process.exit(2);
}

function main(): void {
  const scenario = argOr(1, "");
  if (scenario == "get") scenarioGet(requireUrl(), positiveArg(3, 1000));
  else if (scenario == "get-header") {
    const url = requireUrl();
    const name = argOr(3, "");
    if (name.length == 0) usage("get-header needs a header NAME");
    withResponse(url, (handle: i32): i32 => headerGet(handle, utf8(argOr(3, "")), 4096));
  } else if (scenario == "headers-all") withResponse(requireUrl(), (handle: i32): i32 => headersAll(handle, 64 * 1024));
  else if (scenario == "post") scenarioPost(requireUrl(), argOr(3, ""));
  else if (scenario == "bad-method") requestOnly(send(requireUrl(), "FOO BAR"));
  else if (scenario == "bad-url") requestOnly(send("not a url"));
  else if (scenario == "bad-handle") scenarioBadHandle();
  else if (scenario == "oob-pointer") {
    requireUrl();
    requestOnly(sendRaw(FAR_POINTER, 100, "GET", "", null));
  } else if (scenario == "oob-negative") {
    requireUrl();
    requestOnly(sendRaw(NEGATIVE_POINTER, 100, "GET", "", null));
  } else if (scenario == "oob-length") {
    const urlBytes = utf8(requireUrl());
    requestOnly(sendRaw(addressOf(urlBytes), 0x7fffffff, "GET", "", null));
  } else if (scenario == "oob-status") scenarioOobStatus(requireUrl());
  else if (scenario == "oob-body") scenarioOobBody(requireUrl());
  else if (scenario == "small-buffer") {
    const url = requireUrl();
    withResponse(url, (handle: i32): i32 => {
      const code = headerGet(handle, utf8(argOr(3, "date")), 1);
      headersAll(handle, 1);
      return code;
    });
  } else if (scenario == "missing-header") withResponse(requireUrl(), (handle: i32): i32 => headerGet(handle, utf8(MISSING_HEADER), 4096));
  else if (scenario == "bad-utf8") scenarioBadUtf8(requireUrl());
  else if (scenario == "bad-utf8-header") {
    withResponse(requireUrl(), (handle: i32): i32 => {
      const name = new ArrayBuffer(2);
      store<u16>(changetype<usize>(name), 0xfeff); // bytes ff fe: never valid in UTF-8
      return headerGet(handle, name, 4096);
    });
  } else if (scenario == "bad-header-line") requestOnly(send(requireUrl(), "GET", "X-Test-without-colon"));
  else if (scenario == "too-many") scenarioTooMany(requireUrl(), positiveArg(3, 100));
  else if (scenario == "denied") requestOnly(send(requireUrl()));
  else usage(scenario.length == 0 ? "no SCENARIO given" : "unknown scenario " + scenario);
}

main();
