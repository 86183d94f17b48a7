// The libraries of Dapr's cgo binaries and Debian's redis-server, from ldd.
import { parseLdd } from '../../dev/images/libraries.js';

test('libraries and the loader, without the vDSO', () => {
  const output = `\tlinux-vdso.so.1 (0x00007ffd5a5e6000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f484501f000)
\tlibssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x00007fb63e287000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f4845214000)
`;
  expect(parseLdd(output)).toEqual({
    interpreter: '/lib64/ld-linux-x86-64.so.2',
    paths: ['/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libssl.so.3', '/lib64/ld-linux-x86-64.so.2'],
  });
});

test('a static binary has none', () => {
  expect(parseLdd('\tnot a dynamic executable\n')).toEqual({ interpreter: undefined, paths: [] });
  expect(parseLdd('\tstatically linked\n')).toEqual({ interpreter: undefined, paths: [] });
});

test('a library ldd cannot find is an error now, not a container that fails to start later', () => {
  expect(() => parseLdd('\tlibfoo.so.1 => not found\n', '/bin/x')).toThrow(expect.objectContaining({ code: 'ERR_IMAGE_LIBRARY', message: expect.stringContaining('libfoo.so.1') }));
});
