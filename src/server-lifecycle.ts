import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./log.ts";

export interface ServerLifecycleOptions {
  log: Logger;
  /** Logged when stopping; the drain itself enforces it. */
  graceMs: number;
}

export interface ShutdownSteps {
  /** Stops taking work and lets work in flight finish, while the listener still answers. */
  drain: () => Promise<void>;
  /** Runs after the listener has closed: connections to upstreams, the store. */
  release: () => Promise<void>;
}

export interface ServerLifecycle {
  listen(app: RequestListener, port: number, host: string): Promise<{ url: string; port: number }>;
  /** SIGTERM path: not ready at once, drain, close the listener, release; a second call is a no-op. */
  stop(steps: ShutdownSteps): Promise<void>;
  isShuttingDown(): boolean;
}

/** How long open connections may linger once the listener closes before they are cut. */
const FORCE_CLOSE_AFTER_MS = 2_000;

export function createServerLifecycle(options: ServerLifecycleOptions): ServerLifecycle {
  const { log } = options;
  let shuttingDown = false;
  let server: Server | undefined;
  return {
    async listen(app, port, host) {
      const s = createServer(app);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, host, () => {
          s.off("error", reject);
          resolve();
        });
      });
      server = s;
      // Okta waits at most 3 s per delivery; keep-alive sockets must outlive the proxy's idle timeout.
      s.keepAliveTimeout = 65_000;
      s.headersTimeout = 66_000;
      s.requestTimeout = 30_000;
      const address = s.address() as AddressInfo;
      const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
      return { url: `http://${shownHost}:${address.port}`, port: address.port };
    },
    async stop(steps) {
      if (shuttingDown) return;
      shuttingDown = true;
      log.info({ graceMs: options.graceMs }, "shutting down: no new work, draining");
      // The listener stays open while syncs drain: /readyz answers 503 so the proxy routes away, and
      // a delivery that still arrives is stored (cheap, durable) rather than refused.
      await steps.drain();
      if (server) await closeServer(server);
      await steps.release();
      log.info("stopped");
    },
    isShuttingDown: () => shuttingDown,
  };
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const forced = setTimeout(() => server.closeAllConnections(), FORCE_CLOSE_AFTER_MS);
  await closed;
  clearTimeout(forced);
}
