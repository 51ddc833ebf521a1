import { LUA_KEYS } from "./redis-keys.ts";

/**
 * The group queue on Redis: one JSON value per pending group in the `groups` hash — n name,
 * v version, e enqueued at, nb not before, lu lease until, t lease token, a attempts. There are few
 * groups, so claiming scans the hash rather than keeping sorted sets.
 */
export const GROUP_LUA = `
local function foldGroup(id, name, now)
  local raw = redis.call('HGET', K['groups'], id)
  local g
  if raw then
    g = cjson.decode(raw)
    g.v = g.v + 1
    g.n = name
  else
    g = { n = name, v = 1, e = now, nb = 0, lu = 0, t = 0, a = 0 }
  end
  redis.call('HSET', K['groups'], id, cjson.encode(g))
end
`;

/** ARGV: now, JSON [{i, n}]. */
export const ENQUEUE_GROUPS = `${LUA_KEYS}${GROUP_LUA}
local now = tonumber(ARGV[1])
for _, g in ipairs(cjson.decode(ARGV[2])) do foldGroup(g.i, g.n, now) end
return 1
`;

/** Leases up to `limit` due groups, oldest first. ARGV: now, limit, lease ms. Replies JSON [[id, group]]. */
export const CLAIM_GROUPS = `${LUA_KEYS}
local now, limit, leaseMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local due = {}
local all = redis.call('HGETALL', K['groups'])
for i = 1, #all, 2 do
  local g = cjson.decode(all[i + 1])
  if g.lu <= now and g.nb <= now then table.insert(due, { all[i], g }) end
end
table.sort(due, function(x, y) return x[2].e < y[2].e end)
local out = {}
for i = 1, math.min(limit, #due) do
  local id, g = due[i][1], due[i][2]
  g.t = redis.call('INCR', K['token'])
  g.lu = now + leaseMs
  redis.call('HSET', K['groups'], id, cjson.encode(g))
  table.insert(out, { id, g })
end
if #out == 0 then return '[]' end
return cjson.encode(out)
`;

/**
 * A holder's step, fenced by its token and lease. ARGV: step (complete | reschedule | release), now,
 * id, token, then for complete the version, for reschedule not-before and 0/1 attempt.
 */
export const GROUP_STEP = `${LUA_KEYS}
local step, now, id, token = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local raw = redis.call('HGET', K['groups'], id)
if not raw then return 'lost' end
local g = cjson.decode(raw)
if g.t ~= token or g.lu <= now then return 'lost' end
if step == 'complete' and g.v == tonumber(ARGV[5]) then
  redis.call('HDEL', K['groups'], id)
  return 'done'
end
g.lu = 0
if step == 'reschedule' then
  g.nb = tonumber(ARGV[5])
  g.a = g.a + tonumber(ARGV[6])
end
redis.call('HSET', K['groups'], id, cjson.encode(g))
if step == 'complete' then return 'again' end
return 'ok'
`;
