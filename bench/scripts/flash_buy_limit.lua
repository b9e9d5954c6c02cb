-- bench/scripts/flash_buy_limit.lua — flash-sale buy with a per-user limit, the Lua
-- equivalent of `STOCK.BUY key user QTY n LIMIT m`; used by bench/flashsale --mode eval.
--
-- KEYS[1]  the stock key (an integer string)
-- KEYS[2]  the order list (one element per order: "user:qty")
-- KEYS[3]  a hash user -> units bought (kept for every buy, so the audit can read it)
-- ARGV[1]  the user
-- ARGV[2]  units to buy (>= 1)
-- ARGV[3]  the per-user limit (0 = none)
-- Reply:   {order number (the list's new length), remaining stock};
--          -LIMIT when the user would exceed the limit, -SOLDOUT when the stock is short.
-- Checks in STOCK.BUY's order: limit, then stock; a rejected buy changes nothing.
--
-- Only whole-line comments (the tools join the lines into one argument).
local qty = tonumber(ARGV[2]) or 1
local limit = tonumber(ARGV[3]) or 0
if limit > 0 then
  local had = tonumber(redis.call('HGET', KEYS[3], ARGV[1])) or 0
  if had + qty > limit then
    return redis.error_reply('LIMIT user limit reached')
  end
end
local stock = tonumber(redis.call('GET', KEYS[1]))
if stock == nil or stock < qty then
  return redis.error_reply('SOLDOUT not enough stock')
end
local remaining = redis.call('DECRBY', KEYS[1], qty)
redis.call('HINCRBY', KEYS[3], ARGV[1], qty)
local order = redis.call('RPUSH', KEYS[2], ARGV[1] .. ':' .. qty)
return {order, remaining}
