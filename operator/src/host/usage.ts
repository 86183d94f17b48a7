import { FETCH_DEFAULTS } from './fetch-args.js';
import { DEFAULTS } from './host-options.js';

export const USAGE = `usage: wasi-host run FILE [flags] [-- GUEST_ARGS...]

Runs one WASI (preview1) module: its \`_start\` export, or, without one, its
start section's function (older AssemblyScript and as-wasi build those), or
the export named by --invoke. The guest gets argv
[basename(FILE), ...GUEST_ARGS], only the --env variables plus
DAPR_HTTP_PORT/DAPR_HTTP_ENDPOINT of its sidecar, only the --dir/--dir-ro directories, and the
wasi_experimental_http imports. Its stdout and stderr pass through as written.

flags:
  --allowed-host URL            origin the guest may call (scheme://host[:port],
                                https://*.example.com, or insecure:allow-all);
                                repeatable; default: the sidecar's origin only
  --max-concurrent-requests N   open HTTP responses at once (default ${DEFAULTS.maxConcurrentRequests})
  --env NAME=VALUE              guest environment variable; repeatable
  --dir HOST_DIR[::GUEST_DIR]   let the guest read and write HOST_DIR, as GUEST_DIR (default the same
                                path); repeatable
  --dir-ro HOST_DIR[::GUEST_DIR]
                                the same, read-only: every write under it fails with PERM
  --invoke NAME                 call this exported function (no parameters) instead
                                of _start; an i32 it returns is the exit code
  --timeout SECONDS             end the guest after this long (exit 124)
  --max-memory-mb N             cap the guest's linear memory
  --success-output TEXT         passed only if the output contains TEXT
  --result-file PATH            where to write the JSON result
                                (default /dev/termination-log if it exists)
  --dapr-shutdown               POST /v1.0/shutdown to the sidecar at the end
  --request-timeout SECONDS     per HTTP request, redirects and body included (default ${DEFAULTS.requestTimeoutSeconds})
  --max-response-mb N           per HTTP response body (default ${DEFAULTS.maxResponseMb})
  --sidecar-timeout SECONDS     wait this long for the sidecar to be ready (default ${DEFAULTS.sidecarTimeoutSeconds})
  -h, --help                    show this help

The sidecar is the one named by DAPR_HTTP_ENDPOINT or DAPR_HTTP_PORT in the
host's environment (the Dapr injector sets DAPR_HTTP_PORT); without either,
there is no sidecar and no wait.

exit codes: the guest's own; 1 when it traps or exits 0 without --success-output;
124 on --timeout; 2 when the sidecar never became ready (worth a retry); 125 when
the host itself fails (bad flags, unreadable or invalid module: a retry cannot help).

usage: wasi-host fetch URL SHA256 DEST [--timeout SECONDS] [--max-mb N]

Downloads a module (the fetch-module init container of a spec.module.url
WasiApp). URL must be https, or http for a loopback host (127.0.0.0/8,
localhost, [::1]); redirects are followed under the same rule. The body is
streamed into a temp file next to DEST and renamed to DEST only if it starts
with the WebAssembly magic (\\0asm) and its SHA-256 equals SHA256 (64 hex
characters); otherwise DEST is not created.

flags:
  --timeout SECONDS             for the whole download (default ${FETCH_DEFAULTS.timeoutSeconds})
  --max-mb N                    largest module accepted, in MiB (default ${FETCH_DEFAULTS.maxMb})

exit codes: 0 when DEST holds the verified module; 2 on a network error or a
timeout (worth a retry); 125 on any other failure (bad arguments, refused URL or
redirect, HTTP status other than 2xx, too large, not WebAssembly, sha256
mismatch, DEST not writable).
`;
