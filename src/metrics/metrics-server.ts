/**
 * The broker's own HTTP port for `GET /metrics` when the WebSocket gateway is off
 * (`gregor.metrics.port`, `gregor.metrics.host`). Same answer as the gateway's route
 * (metrics-endpoint.ts); any other path is 404, any other method 405. Every response closes its
 * connection (no idle keep-alive sockets at shutdown).
 *
 *   const server = await MetricsServer.start(access, { host: '', port: 9404 });
 *   server.port;          // the bound port (0 asked: the one the OS chose)
 *   await server.close();
 *
 * Errors: start rejects when the port cannot be bound (EADDRINUSE, EACCES).
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type MetricsAccess, type MetricsReply, answerMetrics } from './metrics-endpoint.js';

export class MetricsServer {
  private constructor(
    private readonly server: Server,
    /** The bound port. */
    readonly port: number,
  ) {}

  /** Listens on `host` ('' = all interfaces) and `port` (0 = any free port); resolves once bound. */
  static async start(access: MetricsAccess, options: { host: string; port: number }): Promise<MetricsServer> {
    const server = createServer((req, res) => void handle(access, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host === '' ? undefined : options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new MetricsServer(server, (server.address() as AddressInfo).port);
  }

  /** Stops listening and closes every open connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

async function handle(access: MetricsAccess, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics') return end(res, { status: 404, reason: 'Not Found', contentType: 'text/plain', headers: [], body: 'not found\n' });
  if (req.method !== 'GET') return end(res, { status: 405, reason: 'Method Not Allowed', contentType: 'text/plain', headers: [['Allow', 'GET']], body: 'method not allowed\n' });
  end(res, await answerMetrics(access, req.headers.authorization ?? '', req.socket.remoteAddress ?? ''));
}

function end(res: ServerResponse, reply: MetricsReply): void {
  if (res.destroyed) return;
  const headers = [['Content-Type', reply.contentType], ...reply.headers, ['Cache-Control', 'no-store'], ['Connection', 'close']];
  res.writeHead(reply.status, reply.reason, headers.flat());
  res.end(reply.body);
}
