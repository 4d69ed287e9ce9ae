/**
 * What holds a TCP port on this machine, from Linux's /proc/net/tcp and /proc/net/tcp6: a
 * listening socket, or only connections in TIME_WAIT (left by connections the previous
 * broker closed: uWebSockets.js listen sockets do not set SO_REUSEADDR, so those block a
 * new listener on the port for up to 60 s). 'unknown' where /proc is not there.
 * Source: Linux Documentation/networking/proc_net_tcp.rst (st: 0A LISTEN, 06 TIME_WAIT).
 */
import { readFileSync } from 'node:fs';

export type PortState = 'listening' | 'time-wait' | 'free' | 'unknown';

const LISTEN = '0A';
const TIME_WAIT = '06';

export function portState(port: number): PortState {
  let text = '';
  try {
    text = readFileSync('/proc/net/tcp', 'utf8');
    try {
      text += readFileSync('/proc/net/tcp6', 'utf8');
    } catch {
      // no IPv6
    }
  } catch {
    return 'unknown';
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let timeWait = false;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (!local || !local.endsWith(`:${hexPort}`)) continue;
    if (fields[3] === LISTEN) return 'listening';
    if (fields[3] === TIME_WAIT) timeWait = true;
  }
  return timeWait ? 'time-wait' : 'free';
}
