/**
 * The Lua behind redis-quota-state.ts: one hash per upstream quota (KEYS[1]) and one script whose
 * first argument names the step. Each step is the in-memory QuotaState's rule, decided on the
 * server so that every replica's step sees every other's: growth and cuts are compare-and-set on
 * the congestion epoch (of several replicas' 429s from one burst only the first cuts), the pause
 * only lengthens, and the GCRA schedule (`tat`) advances by one interval for every send any
 * replica makes. Every step but `read` renews the TTL, so state nobody uses expires.
 *
 * ARGV: step, ttl ms, initial rate, initial slow start ('1'/'0'), then the step's own values.
 * Replies: applied (0/1), then the state as strings ('' for minus infinity, which HSET cannot keep).
 */
export const QUOTA_STEP = `
local key, step = KEYS[1], ARGV[1]
local initial = tonumber(ARGV[3])
local function num(v, default) local n = tonumber(v); if n == nil then return default end; return n end
local function enc(n) if n == -math.huge then return '' end; return tostring(n) end
local f = redis.call('HMGET', key, 'rate', 'knee', 'slow', 'epoch', 'cuts', 'cutAt', 'settled',
  'pausedUntil', 'pausedAt', 'limit', 'tat')
local s = { rate = num(f[1], initial), knee = num(f[2], initial), slow = f[3] or ARGV[4], epoch = num(f[4], 0),
  cuts = num(f[5], 0), cutAt = num(f[6], -math.huge), settled = num(f[7], -math.huge),
  pausedUntil = num(f[8], 0), pausedAt = num(f[9], 0), limit = f[10] or '', tat = num(f[11], -math.huge) }
local a = {}
for i = 5, #ARGV do a[i - 4] = ARGV[i] end
local applied = 0
if step == 'slot' then
  -- now, interval, tolerance: every replica's send takes one interval of the one schedule.
  s.tat = math.max(s.tat, tonumber(a[1]) - tonumber(a[3])) + tonumber(a[2]); applied = 1
elseif step == 'restart' then
  s.tat = math.max(s.tat, tonumber(a[1])); applied = 1
elseif step == 'grow' then
  -- epoch, increase, slow start: increases from every replica add up, unless a cut came first.
  if tonumber(a[1]) == s.epoch then
    s.rate = math.max(s.rate + tonumber(a[2]), 0.001); s.slow = a[3]; applied = 1
  end
elseif step == 'cut' then
  -- epoch at send, rate, knee, at, settled until, limit JSON or ''.
  if tonumber(a[1]) == s.epoch and tonumber(a[4]) >= s.settled then
    s.rate = tonumber(a[2]); s.knee = tonumber(a[3]); s.cutAt = tonumber(a[4]); s.settled = tonumber(a[5])
    if a[6] ~= '' then s.limit = a[6] end
    s.slow = '0'; s.epoch = s.epoch + 1; s.cuts = s.cuts + 1; applied = 1
  end
elseif step == 'seed' then
  -- the epoch the seeding replica saw, rate, knee, at: the first replica to learn the quota seeds.
  if tonumber(a[1]) == s.epoch then
    s.rate = tonumber(a[2]); s.knee = tonumber(a[3]); s.cutAt = tonumber(a[4]); s.slow = '0'
    s.epoch = s.epoch + 1; applied = 1
  end
elseif step == 'pause' then
  -- until, now: only ever lengthens; a pause that ended starts anew.
  local untilMs, now = tonumber(a[1]), tonumber(a[2])
  if untilMs > now and untilMs > s.pausedUntil then
    if s.pausedUntil <= now then s.pausedAt = now end
    s.pausedUntil = untilMs; applied = 1
  end
end
if step ~= 'read' then
  redis.call('HSET', key, 'rate', tostring(s.rate), 'knee', tostring(s.knee), 'slow', s.slow,
    'epoch', s.epoch, 'cuts', s.cuts, 'cutAt', enc(s.cutAt), 'settled', enc(s.settled),
    'pausedUntil', tostring(s.pausedUntil), 'pausedAt', tostring(s.pausedAt), 'limit', s.limit, 'tat', enc(s.tat))
  redis.call('PEXPIRE', key, ARGV[2])
end
return { applied, tostring(s.rate), tostring(s.knee), s.slow, tostring(s.epoch), tostring(s.cuts), enc(s.cutAt),
  enc(s.settled), tostring(s.pausedUntil), tostring(s.pausedAt), s.limit, enc(s.tat) }
`;
