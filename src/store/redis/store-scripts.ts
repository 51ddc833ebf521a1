import { KEY_NAMES } from "./redis-keys.ts";
import { PENDING_LUA } from "./pending-lua.ts";
import { GROUP_LUA } from "./group-scripts.ts";

const FIXED_KEYS = KEY_NAMES.length;

/**
 * A delivery, atomically: each event uuid not seen before is remembered (SET NX with the retention as
 * expiry, one key per uuid after the fixed keys), and the changes of those fresh events, merged per
 * user first, are folded into the queue. ARGV: now, retention ms, delivery id, JSON events
 * [{u = user or absent, a, l, p, c}] in KEYS order. Replies {stored, queued, duplicates}.
 */
export const ACCEPT = `${PENDING_LUA}${GROUP_LUA}
local now, retention, delivery = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local events = cjson.decode(ARGV[4])
local stored, queued = 0, 0
local byUser, order = {}, {}
for i, e in ipairs(events) do
  if redis.call('SET', KEYS[${FIXED_KEYS} + i], delivery, 'NX', 'PX', retention) then
    stored = stored + 1
    if e.g then
      foldGroup(e.g.i, e.g.n, now)
      if not e.u then queued = queued + 1 end
    end
    if e.u then
      queued = queued + 1
      local c = { a = e.a, l = e.l, p = e.p, c = e.c }
      if byUser[e.u] then byUser[e.u] = merge(byUser[e.u], c) else byUser[e.u] = c; table.insert(order, e.u) end
    end
  end
end
for _, user in ipairs(order) do fold(user, byUser[user], now) end
return { stored, queued, #events - stored }
`;

/** Changes from no Okta event, folded. ARGV: now, JSON [{u, a, l, p, c}] (merged per user already). */
export const ENQUEUE = `${PENDING_LUA}
local now = tonumber(ARGV[1])
for _, e in ipairs(cjson.decode(ARGV[2])) do fold(e.u, { a = e.a, l = e.l, p = e.p, c = e.c }, now) end
return 1
`;

/**
 * Leases up to `limit` due users, live lane first, oldest first; waiting users whose time has come
 * become due first. ARGV: now, limit, lease ms, lane ('' for both). Replies JSON [[user, change]].
 */
export const CLAIM = `${PENDING_LUA}
local now, limit, leaseMs, only = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
for _, user in ipairs(redis.call('ZRANGEBYSCORE', K['waiting'], '-inf', now, 'LIMIT', 0, 1000)) do
  local p = load(user)
  redis.call('ZREM', K['waiting'], user)
  if p then redis.call('ZADD', readyKey(p.l), p.s, user) end
end
local out = {}
local lanes = { 'live', 'bulk' }
if only ~= '' then lanes = { only } end
for _, lane in ipairs(lanes) do
  local room = limit - #out
  if room > 0 then
    for _, user in ipairs(redis.call('ZRANGE', readyKey(lane), 0, room - 1)) do
      local p = load(user)
      p.t = redis.call('INCR', K['token'])
      p.lu = now + leaseMs
      save(user, p)
      redis.call('ZREM', readyKey(lane), user)
      redis.call('ZADD', K['waiting'], p.lu, user)
      table.insert(out, { user, p })
    end
  end
end
if #out == 0 then return '[]' end
return cjson.encode(out)
`;

/**
 * A holder's step, fenced: nothing changes unless the token is current and the lease unexpired.
 * ARGV: step, now, user, token, then the step's own: complete (version), renew (lease ms),
 * reschedule (not before, attempts to add), release (-), dead (version, status or '', reason, at).
 * Replies 'lost', or: complete/dead 'done' | 'again', renew the new expiry, the others 'ok'.
 */
export const HOLDER_STEP = `${PENDING_LUA}
local step, now, user, token = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local p = held(user, token, now)
if p == nil then return 'lost' end
local function unlease() p.lu = 0; save(user, p); place(user, p, now) end
if step == 'renew' then
  p.lu = now + tonumber(ARGV[5]); save(user, p); redis.call('ZADD', K['waiting'], p.lu, user)
  return tostring(p.lu)
elseif step == 'reschedule' then
  p.nb = tonumber(ARGV[5]); p.n = p.n + tonumber(ARGV[6]); unlease()
  return 'ok'
elseif step == 'release' then
  unlease()
  return 'ok'
end
-- complete or dead: only the version the holder worked on is settled; newer changes get their own try.
if p.v ~= tonumber(ARGV[5]) then unlease(); return 'again' end
remove(user, p)
if step == 'dead' then
  local status = ARGV[6] ~= '' and tonumber(ARGV[6]) or nil
  local at = tonumber(ARGV[8])
  redis.call('HSET', K['dead'], user, cjson.encode({ action = p.a, status = status, reason = ARGV[7], attempts = p.n + 1, at = at }))
  redis.call('ZADD', K['dead:at'], at, user)
end
return 'done'
`;

/** Dead letters back to the live queue. ARGV: now, published (ISO), user ('' for all). Replies how many. */
export const RETRY_DEAD = `${PENDING_LUA}
local now, published, only = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local users = {}
if only ~= '' then
  if redis.call('HEXISTS', K['dead'], only) == 1 then users = { only } end
else
  users = redis.call('HKEYS', K['dead'])
end
for _, user in ipairs(users) do
  local d = cjson.decode(redis.call('HGET', K['dead'], user))
  fold(user, { a = d.action, l = 'live', p = published, c = 0 }, now)
end
return #users
`;

/** Oldest dead letters first. ARGV: limit. Replies JSON [[user, letter]]. */
export const LIST_DEAD = `${PENDING_LUA}
local out = {}
for _, user in ipairs(redis.call('ZRANGE', K['dead:at'], 0, tonumber(ARGV[1]) - 1)) do
  table.insert(out, { user, cjson.decode(redis.call('HGET', K['dead'], user)) })
end
if #out == 0 then return '[]' end
return cjson.encode(out)
`;

/** Counts for stats(): live, bulk, oldest live and bulk enqueue time ('' when none), dead letters. */
export const STATS = `${PENDING_LUA}
local function oldest(key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return first[2] or ''
end
return { redis.call('ZCARD', K['all:live']), redis.call('ZCARD', K['all:bulk']), oldest(K['all:live']),
  oldest(K['all:bulk']), redis.call('HLEN', K['dead']) }
`;
