-- bench/scripts/flash_buy.lua — the usual flash-sale recipe on Redis: check the stock,
-- decrement it and append the order, atomically, in one EVAL.
-- This is the reference stockd's STOCK.BUY is compared with (bench/compare.sh).
--
-- KEYS[1]  the stock key (an integer string)
-- KEYS[2]  the order list (one element per order: the user)
-- ARGV[1]  the user
-- Reply:   {order number (the list's new length), remaining stock}, the same shape as
--          STOCK.BUY's [order-id, remaining]; -SOLDOUT when the stock is 0 or missing.
--
-- Only whole-line comments: compare.sh drops them and joins the lines into one
-- redis-benchmark argument, so a trailing comment would swallow the code after it.
local stock = tonumber(redis.call('GET', KEYS[1]))
if stock == nil or stock <= 0 then
  return redis.error_reply('SOLDOUT not enough stock')
end
local remaining = redis.call('DECR', KEYS[1])
local order = redis.call('RPUSH', KEYS[2], ARGV[1])
return {order, remaining}
