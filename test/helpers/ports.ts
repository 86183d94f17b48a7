// Free loopback ports for the real components a test starts.
//
//   const [httpPort, grpcPort] = await freePorts(2);
//   const port = await freePort();
import { freePorts } from '../../dev/cluster/free-port.js';

export { freePorts };

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
