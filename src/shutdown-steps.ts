import type { Reconciler } from "./reconcile/reconciler.ts";
import type { RedisBackend } from "./redis/redis-backend.ts";
import type { ShutdownSteps } from "./server-lifecycle.ts";
import type { StatusRoutes } from "./status/status-routes.ts";
import type { Store } from "./store/store.ts";
import type { Dispatcher } from "./sync/dispatcher.ts";
import type { GroupDispatcher } from "./sync/group-dispatcher.ts";
import type { Upstreams } from "./upstreams.ts";

/**
 * SIGTERM: a running reconcile stops at once (its checkpoint is saved page by page and the next run
 * resumes); syncs in flight get the grace period; then nothing waits for quota any more, and once
 * the listener is closed the connections and the store go.
 */
export function shutdownSteps(parts: {
  reconciler: Reconciler;
  dispatcher: Dispatcher;
  groupDispatcher: GroupDispatcher;
  upstreams: Upstreams;
  status: StatusRoutes;
  store: Store;
  redis: RedisBackend | undefined;
  graceMs: number;
}): ShutdownSteps {
  const { reconciler, dispatcher, upstreams, status, store } = parts;
  return {
    drain: async () => {
      const reconcileStopped = reconciler.stop();
      await Promise.all([dispatcher.stop(parts.graceMs), parts.groupDispatcher.stop()]);
      upstreams.closeControllers();
      await reconcileStopped; // a listing request waiting for the quota is released by closeControllers()
      status.close();
    },
    release: async () => {
      await upstreams.closeConnections();
      parts.redis?.close();
      await store.close();
    },
  };
}
