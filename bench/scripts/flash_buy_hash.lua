-- bench/scripts/flash_buy_hash.lua — flash_buy.lua's check-and-decrement with the SKU's
-- stock and order counter in one hash, so a buy touches ONE key: bench/compare.sh's
-- "flash EVAL 2keys" rows pick that key among two hot SKUs with redis-benchmark's
-- __rand_int__ (-r 2), which flash_buy.lua's two keys cannot follow (redis-benchmark
-- draws every __rand_int__ of a command separately). On redis-server the two SKUs
-- share its one thread; on stockd each runs under its own shard lock.
--
-- KEYS[1]  the SKU hash: field stock (an integer), field orders (orders placed)
-- Reply:   {order number, remaining stock}, as flash_buy.lua; -SOLDOUT when sold out.
--
-- Only whole-line comments (compare.sh joins the lines into one argument).
local stock = tonumber(redis.call('HGET', KEYS[1], 'stock'))
if stock == nil or stock <= 0 then
  return redis.error_reply('SOLDOUT not enough stock')
end
local remaining = redis.call('HINCRBY', KEYS[1], 'stock', -1)
local order = redis.call('HINCRBY', KEYS[1], 'orders', 1)
return {order, remaining}
