/**
 * The Lua behind redis-quota-state.ts: one hash per upstream quota (KEYS[1]) and one script whose
 * first argument names the step. Each step is the in-memory QuotaState's rule, decided on the
 * server so that every replica's step sees every other's: growth and cuts are compare-and-set on
 * the congestion epoch (of several replicas' 429s from one burst only the first cuts), the pause
 * only lengthens, and the GCRA schedule (`tat`) advances by one interval for every send any
 * replica makes. Every step but `read` renews the TTL, so state nobody uses expires.
 *
 *
 * The header budget is shared the same way: the hash keeps the headers' window as every replica's
 * answers bound it (header-budget.ts), and KEYS[2], a sorted set, every replica's requests in
 * flight by send time. `send` with an admission adds a request only while the window's budget,
 * less all of them, has room: the check and the claim are one step, so of several replicas that
 * see the last unit of a window's budget only one takes it. A replica that dies leaves its
 * requests in flight; they drop out once older than the flight TTL (longer than any request lives).
 *
 * ARGV: step, ttl ms, initial rate, initial slow start ('1'/'0'), flight ttl ms, then the step's own
 * values. Replies: applied (0/1), the state as strings ('' for minus infinity, which HSET cannot
 * keep), the headers' window (allowed, used, end lo, end hi, latest answer at; '' when none yet), and the requests in
 * flight as [member, sent at, …].
 */
export const QUOTA_STEP = `
local key, step = KEYS[1], ARGV[1]
local initial = tonumber(ARGV[3])
local function num(v, default) local n = tonumber(v); if n == nil then return default end; return n end
local function enc(n) if n == -math.huge then return '' end; return tostring(n) end
local flight = KEYS[2]
local f = redis.call('HMGET', key, 'rate', 'knee', 'slow', 'epoch', 'cuts', 'cutAt', 'settled',
  'pausedUntil', 'pausedAt', 'limit', 'tat', 'wAllowed', 'wUsed', 'wLo', 'wHi', 'wAt')
local s = { rate = num(f[1], initial), knee = num(f[2], initial), slow = f[3] or ARGV[4], epoch = num(f[4], 0),
  cuts = num(f[5], 0), cutAt = num(f[6], -math.huge), settled = num(f[7], -math.huge),
  pausedUntil = num(f[8], 0), pausedAt = num(f[9], 0), limit = f[10] or '', tat = num(f[11], -math.huge) }
local w = nil
if f[12] and f[12] ~= '' then
  w = { allowed = tonumber(f[12]), used = tonumber(f[13]), lo = tonumber(f[14]), hi = tonumber(f[15]),
    at = tonumber(f[16]) or 0 }
end
local a = {}
for i = 6, #ARGV do a[i - 5] = ARGV[i] end
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
elseif step == 'send' then
  -- member, sent at, then an admission or nothing: allowed, used, read at, reserve, cutoff, end lo,
  -- end hi (header-budget.ts: Admission).
  local sentAt = tonumber(a[2])
  redis.call('ZREMRANGEBYSCORE', flight, '-inf', '(' .. (sentAt - tonumber(ARGV[5])))
  applied = 1
  if a[3] ~= nil then
    local allowed, used, readAt, reserve = tonumber(a[3]), tonumber(a[4]), tonumber(a[5]), tonumber(a[6])
    local lo, hi = tonumber(a[8]), tonumber(a[9])
    if w ~= nil and w.allowed == allowed and ((w.hi >= lo and w.lo <= hi) or w.at > readAt) then
      used = math.max(used, w.used)
    end
    local inFlight = redis.call('ZCOUNT', flight, '-inf', '(' .. a[7])
    if allowed - used - reserve - inFlight < 1 then applied = 0 end
  end
  if applied == 1 then redis.call('ZADD', flight, sentAt, a[1]) end
elseif step == 'land' then
  -- member, then the answer's window or nothing: allowed, used, end lo, end hi, received at.
  redis.call('ZREM', flight, a[1])
  if a[2] ~= nil then
    local n = { allowed = tonumber(a[2]), used = tonumber(a[3]), lo = tonumber(a[4]), hi = tonumber(a[5]),
      at = tonumber(a[6]) }
    if w == nil or n.allowed ~= w.allowed or n.lo > w.hi then w = n
    elseif n.hi >= w.lo then
      w.used = math.max(w.used, n.used); w.lo = math.max(w.lo, n.lo); w.hi = math.min(w.hi, n.hi)
      w.at = math.max(w.at, n.at)
    end
  end
  applied = 1
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
  if w ~= nil then
    redis.call('HSET', key, 'wAllowed', tostring(w.allowed), 'wUsed', tostring(w.used), 'wLo', tostring(w.lo),
      'wHi', tostring(w.hi), 'wAt', tostring(w.at))
  end
  redis.call('PEXPIRE', key, ARGV[2])
  if redis.call('EXISTS', flight) == 1 then redis.call('PEXPIRE', flight, ARGV[2]) end
end
local wr = { '', '', '', '', '' }
if w ~= nil then wr = { tostring(w.allowed), tostring(w.used), tostring(w.lo), tostring(w.hi), tostring(w.at) } end
return { applied, tostring(s.rate), tostring(s.knee), s.slow, tostring(s.epoch), tostring(s.cuts), enc(s.cutAt),
  enc(s.settled), tostring(s.pausedUntil), tostring(s.pausedAt), s.limit, enc(s.tat), wr[1], wr[2], wr[3], wr[4], wr[5],
  redis.call('ZRANGE', flight, 0, -1, 'WITHSCORES') }
`;
