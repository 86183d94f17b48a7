// Preloaded with `node --import` into a benchmark's child process (wasi-host
// or a reference script): at exit, writes the process's CPU time
// {user, system} in µs (process.cpuUsage()) as JSON to $WASI_BENCH_CPU_FILE.
// CPU time, unlike wall time, barely moves when other work loads the machine.
import { writeFileSync } from 'node:fs';

const file = process.env.WASI_BENCH_CPU_FILE;
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.cpuUsage())));
