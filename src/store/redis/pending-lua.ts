import { LUA_KEYS } from "./redis-keys.ts";

/**
 * Lua helpers every store script shares. A pending change is one JSON value in the `pending` hash:
 * a action, l lane, v version, c created (0/1), p published, nb not before, eq enqueued at,
 * s enqueue order, n attempts, t lease token, lu lease until. Each pending user is in exactly one of
 * `ready:<lane>` (due now) or `waiting` (leased or backing off, scored by when it becomes due).
 *
 * `merge` and the rule in `fold` are coalescer.ts's `mergeChanges` and `foldChange` in Lua, so that
 * a fold costs no round trip; the Store contract suite runs the same coalescing cases on both stores.
 */
export const PENDING_LUA = `${LUA_KEYS}
local function load(user)
  local raw = redis.call('HGET', K['pending'], user)
  if raw then return cjson.decode(raw) end
  return nil
end
local function save(user, p) redis.call('HSET', K['pending'], user, cjson.encode(p)) end
local function readyKey(lane) return lane == 'live' and K['ready:live'] or K['ready:bulk'] end
local function allKey(lane) return lane == 'live' and K['all:live'] or K['all:bulk'] end

-- Puts the user where its lease and backoff say: due now, or waiting until the later of the two.
local function place(user, p, now)
  redis.call('ZREM', K['ready:live'], user)
  redis.call('ZREM', K['ready:bulk'], user)
  local dueAt = math.max(p.lu, p.nb)
  if dueAt > now then
    redis.call('ZADD', K['waiting'], dueAt, user)
  else
    redis.call('ZREM', K['waiting'], user)
    redis.call('ZADD', readyKey(p.l), p.s, user)
  end
end

local function remove(user, p)
  redis.call('HDEL', K['pending'], user)
  redis.call('ZREM', allKey(p.l), user)
  redis.call('ZREM', readyKey(p.l), user)
  redis.call('ZREM', K['waiting'], user)
end

-- coalescer.ts mergeChanges: a delete is final, live beats bulk, the newest and most telling win.
local function merge(a, b)
  return {
    a = (a.a == 'delete' or b.a == 'delete') and 'delete' or 'sync',
    l = (a.l == 'live' or b.l == 'live') and 'live' or 'bulk',
    p = (a.p > b.p) and a.p or b.p,
    c = (a.c == 1 or b.c == 1) and 1 or 0,
  }
end

-- coalescer.ts foldChange, then stored: a change also revives the user's dead letter.
local function fold(user, change, now)
  local p = load(user)
  if p == nil then
    local seq = redis.call('INCR', K['seq'])
    p = { a = change.a, l = change.l, p = change.p, c = change.c, v = 1, nb = 0, eq = now, s = seq,
          n = 0, t = 0, lu = 0 }
    redis.call('ZADD', allKey(p.l), now, user)
    save(user, p)
    place(user, p, now)
  else
    local m = merge(p, change)
    local promoted = p.l == 'bulk' and change.l == 'live'
    local oldLane = p.l
    p.a = m.a; p.l = m.l; p.p = m.p; p.c = m.c; p.v = p.v + 1
    if promoted then p.nb = 0 end
    save(user, p)
    if oldLane ~= p.l then
      redis.call('ZREM', allKey(oldLane), user)
      redis.call('ZADD', allKey(p.l), p.eq, user)
    end
    if oldLane ~= p.l or promoted then place(user, p, now) end
  end
  redis.call('HDEL', K['dead'], user)
  redis.call('ZREM', K['dead:at'], user)
end

-- The holder's token is current and its lease has not expired: the fence on every holder's step.
local function held(user, token, now)
  local p = load(user)
  if p and p.t == token and p.lu > now then return p end
  return nil
end
`;
