import type { Lane } from "../lane.ts";

/**
 * Waiting requests in two FIFO lanes. Live Okta events always go before bulk reconcile work, so a
 * nightly full sync never delays a user change someone just made. A request that was already let
 * through once (re-queued after a 429 or a 5xx) goes back to the front of its lane: it has waited
 * longest, and sending it later would reorder one user's writes for nothing.
 */
export class LaneQueue<T> {
  private readonly lanes: Record<Lane, T[]> = { live: [], bulk: [] };

  get size(): number {
    return this.lanes.live.length + this.lanes.bulk.length;
  }

  push(lane: Lane, item: T, front = false): void {
    if (front) this.lanes[lane].unshift(item);
    else this.lanes[lane].push(item);
  }

  /** The lane the next shift() takes from. */
  headLane(): Lane | undefined {
    return this.lanes.live.length > 0 ? "live" : this.lanes.bulk.length > 0 ? "bulk" : undefined;
  }

  shift(): T | undefined {
    return this.lanes.live.shift() ?? this.lanes.bulk.shift();
  }

  remove(item: T): boolean {
    for (const lane of Object.values(this.lanes)) {
      const index = lane.indexOf(item);
      if (index >= 0) {
        lane.splice(index, 1);
        return true;
      }
    }
    return false;
  }

  drain(): T[] {
    const all = [...this.lanes.live, ...this.lanes.bulk];
    this.lanes.live = [];
    this.lanes.bulk = [];
    return all;
  }
}
