import { PENDING_LUA } from "./pending-lua.ts";

/**
 * Reconcile runs in Lua: a run is a JSON value in `runs`, the unfinished one is named by
 * `runs:unfinished`, and its Genesys snapshot lives in `snapshot` (only an unfinished run has one).
 */
const RUN_LUA = `${PENDING_LUA}
local function loadRun(id)
  local raw = redis.call('HGET', K['runs'], id)
  if raw then return cjson.decode(raw) end
  return nil
end
local function saveRun(run) redis.call('HSET', K['runs'], run.id, cjson.encode(run)) end
local function setCheckpoint(id, checkpoint)
  local run = loadRun(id)
  if run then run.checkpoint = checkpoint; saveRun(run) end
end
local function dropSnapshot()
  redis.call('DEL', K['snapshot'], K['snapshot:matched'], K['snapshot:run'])
end
`;

/** Finished runs kept for the status page and the admin API; older ones are dropped. */
export const RUNS_KEPT = 50;

/** ARGV: id, started at, checkpoint. Drops an unfinished earlier run and its snapshot. */
export const BEGIN_RUN = `${RUN_LUA}
local previous = redis.call('GET', K['runs:unfinished'])
if previous then
  redis.call('HDEL', K['runs'], previous)
  redis.call('ZREM', K['runs:order'], previous)
end
dropSnapshot()
saveRun({ id = ARGV[1], startedAt = tonumber(ARGV[2]), checkpoint = ARGV[3] })
redis.call('ZADD', K['runs:order'], tonumber(ARGV[2]), ARGV[1])
redis.call('SET', K['runs:unfinished'], ARGV[1])
redis.call('SET', K['snapshot:run'], ARGV[1])
local excess = redis.call('ZCARD', K['runs:order']) - ${RUNS_KEPT}
if excess > 0 then
  for _, old in ipairs(redis.call('ZRANGE', K['runs:order'], 0, excess - 1)) do
    redis.call('HDEL', K['runs'], old)
    redis.call('ZREM', K['runs:order'], old)
  end
end
return 1
`;

/** ARGV: id, checkpoint. */
export const SAVE_CHECKPOINT = `${RUN_LUA}
setCheckpoint(ARGV[1], ARGV[2])
return 1
`;

/** ARGV: id, checkpoint, JSON [[genesysId, json]]. */
export const GENESYS_PAGE = `${RUN_LUA}
if redis.call('GET', K['snapshot:run']) == ARGV[1] then
  for _, u in ipairs(cjson.decode(ARGV[3])) do redis.call('HSET', K['snapshot'], u[1], u[2]) end
end
setCheckpoint(ARGV[1], ARGV[2])
return 1
`;

/** ARGV: id. Replies JSON [[genesysId, json, matched]]. */
export const SNAPSHOT = `${RUN_LUA}
if redis.call('GET', K['snapshot:run']) ~= ARGV[1] then return '[]' end
local all = redis.call('HGETALL', K['snapshot'])
local out = {}
for i = 1, #all, 2 do
  table.insert(out, { all[i], all[i + 1], redis.call('SISMEMBER', K['snapshot:matched'], all[i]) })
end
if #out == 0 then return '[]' end
return cjson.encode(out)
`;

/**
 * One Okta page compared. ARGV: id, checkpoint, now, JSON changes [{u, a, l, p, c}] (merged per user),
 * JSON users [[oktaUserId, record JSON]], JSON matched Genesys ids.
 */
export const OKTA_PAGE = `${RUN_LUA}
local now = tonumber(ARGV[3])
for _, u in ipairs(cjson.decode(ARGV[5])) do
  redis.call('HSET', K['users'], u[1], u[2])
  local r = cjson.decode(u[2])
  if r.g and not r.d then redis.call('HSET', K['owners'], r.g, u[1]) end
end
for _, e in ipairs(cjson.decode(ARGV[4])) do fold(e.u, { a = e.a, l = e.l, p = e.p, c = e.c }, now) end
if redis.call('GET', K['snapshot:run']) == ARGV[1] then
  for _, g in ipairs(cjson.decode(ARGV[6])) do redis.call('SADD', K['snapshot:matched'], g) end
end
setCheckpoint(ARGV[1], ARGV[2])
return 1
`;

/** ARGV: id, finished at, report. The run's snapshot is dropped. */
export const FINISH_RUN = `${RUN_LUA}
local run = loadRun(ARGV[1])
if run then run.finishedAt = tonumber(ARGV[2]); run.report = ARGV[3]; saveRun(run) end
if redis.call('GET', K['runs:unfinished']) == ARGV[1] then redis.call('DEL', K['runs:unfinished']) end
if redis.call('GET', K['snapshot:run']) == ARGV[1] then dropSnapshot() end
return 1
`;

/** ARGV: which ('unfinished' or 'latest'). Replies the run JSON or false. */
export const READ_RUN = `${RUN_LUA}
local id
if ARGV[1] == 'unfinished' then
  id = redis.call('GET', K['runs:unfinished'])
else
  id = redis.call('ZREVRANGE', K['runs:order'], 0, 0)[1]
end
if not id then return false end
return redis.call('HGET', K['runs'], id)
`;
