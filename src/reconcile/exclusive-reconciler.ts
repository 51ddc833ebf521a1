import { ReconcileBusyError, type Reconciler } from "./reconciler.ts";

/** A cluster-wide right to run; `acquire` resolves to its release, or undefined when someone holds it. */
export interface RunLock {
  acquire(): Promise<(() => Promise<void>) | undefined>;
}

/**
 * One reconcile at a time across replicas, not just in this process: a second run would spend the
 * same quota on the same users, and beginning a run drops the unfinished one another replica is
 * working on. The lock is held until the run's report settles; a replica that dies loses it when it
 * expires, and the next start (on any replica) resumes the run from its checkpoint.
 */
export function exclusiveReconciler(inner: Reconciler, lock: RunLock): Reconciler {
  const reconciler: Reconciler = {
    ...inner,
    async start(options) {
      const release = await lock.acquire();
      if (release === undefined) throw new ReconcileBusyError(undefined);
      try {
        const started = await inner.start(options);
        void started.report.then(release, release).catch(() => undefined);
        return started;
      } catch (error) {
        await release().catch(() => undefined);
        throw error;
      }
    },
    async run(options) {
      return (await reconciler.start(options)).report;
    },
  };
  return reconciler;
}
