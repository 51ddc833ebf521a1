/**
 * Lua for the rate controllers' shared state. One hash per upstream quota (KEYS[1]) holds the pace
 * (GCRA theoretical arrival time `tat`), the rate, the congestion epoch, the pause after a 429 and
 * what was learned of the quota. Times are the Redis server's (`TIME`), so replicas whose clocks
 * disagree still agree on when a pause ends and when the next request may go. Every script renews
 * the hash's TTL: once traffic stops, the state expires and a removed replica leaves nothing behind.
 * Fractional numbers are returned as strings (Lua numbers turn into integers in a reply).
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** State fields, in the order every script returns them after its own leading values. */
const STATE = `
local function state(key, initial)
  local s = redis.call('HMGET', key, 'rate', 'epoch', 'pausedUntil', 'cuts', 'learned', 'knee')
  return {
    rate = tonumber(s[1]) or initial, epoch = tonumber(s[2]) or 0, pausedUntil = tonumber(s[3]) or 0,
    cuts = tonumber(s[4]) or 0, learned = s[5] or '', knee = tonumber(s[6]) or initial
  }
end
local function reply(lead, st, now)
  table.insert(lead, tostring(st.rate)); table.insert(lead, st.epoch); table.insert(lead, st.pausedUntil)
  table.insert(lead, st.cuts); table.insert(lead, st.learned); table.insert(lead, tostring(st.knee))
  table.insert(lead, now)
  return lead
end
`;

/**
 * Asks for one send slot. ARGV: initial rate, TTL ms, tolerance ms (how early a slot may be taken).
 * Paused, or the next slot is further off than the tolerance: nothing is taken and the reply's
 * wait says how long until asking again makes sense. Otherwise the slot is taken (wait 0). After a
 * quiet spell the schedule restarts from now, so no burst is saved up.
 */
export const RESERVE = `${NOW}${STATE}
local st = state(KEYS[1], tonumber(ARGV[1]))
local wait = 0
if st.pausedUntil > now then
  wait = st.pausedUntil - now
else
  local tat = tonumber(redis.call('HGET', KEYS[1], 'tat')) or 0
  if tat < now then tat = now end
  local early = tat - now - tonumber(ARGV[3])
  if early > 0 then
    wait = early
  else
    redis.call('HSET', KEYS[1], 'tat', tostring(tat + 1000 / st.rate))
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return reply({tostring(wait)}, st, now)
`;

/**
 * A 429. ARGV: epoch the request was sent in, pause ms from now (0: none), rate and knee after a cut,
 * initial rate, TTL ms. The pause only ever lengthens. The cut happens once per epoch: the first
 * replica to report a 429 of the current epoch cuts and opens the next epoch; the others' reports
 * of the same epoch are the same congestion and only adopt the cut rate. Replies whether it cut.
 */
export const THROTTLED = `${NOW}${STATE}
local st = state(KEYS[1], tonumber(ARGV[5]))
local cut = 0
local pauseMs = tonumber(ARGV[2])
if pauseMs > 0 and now + pauseMs > st.pausedUntil then
  st.pausedUntil = now + pauseMs
  redis.call('HSET', KEYS[1], 'pausedUntil', st.pausedUntil)
end
if tonumber(ARGV[1]) == st.epoch then
  cut = 1
  st.epoch = st.epoch + 1; st.cuts = st.cuts + 1
  st.rate = tonumber(ARGV[3]); st.knee = tonumber(ARGV[4])
  redis.call('HSET', KEYS[1], 'epoch', st.epoch, 'cuts', st.cuts, 'rate', ARGV[3], 'knee', ARGV[4])
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return reply({cut}, st, now)
`;

/**
 * Growth after a success. ARGV: epoch at send, increase, max rate, initial rate, TTL ms. Increases
 * from every replica add up (one process would have grown by each success too); one from a request
 * sent before the latest cut is dropped. Replies whether it grew.
 */
export const GROW = `${NOW}${STATE}
local st = state(KEYS[1], tonumber(ARGV[4]))
local grew = 0
if tonumber(ARGV[1]) == st.epoch then
  grew = 1
  st.rate = math.min(tonumber(ARGV[3]), st.rate + tonumber(ARGV[2]))
  redis.call('HSET', KEYS[1], 'rate', tostring(st.rate))
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return reply({grew}, st, now)
`;

/**
 * Sets fields that any replica may learn and all should share. ARGV: initial rate, TTL ms, then
 * field/value pairs among 'learned' (the quota the headers told), 'rate' and 'knee' (a seed).
 */
export const LEARN = `${NOW}${STATE}
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return reply({0}, state(KEYS[1], tonumber(ARGV[1])), now)
`;
