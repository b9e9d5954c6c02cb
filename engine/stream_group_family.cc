// engine/stream_group_family.cc — stream consumer groups (Redis 7.0's
// t_stream.c): XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP),
// XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO (STREAM [FULL] GROUPS CONSUMERS
// HELP). XREADGROUP is in stream_family.cc with XREAD (one parser).
//
// Groups live in the StreamObject (engine/types/stream.h): a group's PEL maps
// each pending ID to its NACK (delivery time, count, consumer name) and each
// consumer keeps the IDs it owns. Times (idle, delivery) come from the
// command's clock, ctx.now_ms. Replies and errors are Redis 7.0.15's byte for
// byte, checks in its order; the one known difference is XINFO STREAM's
// radix-tree-nodes, computed for a canonical radix tree (Redis's rax may hold
// more nodes after deletions).
#include <climits>
#include <string>
#include <vector>

#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/keyspace_events.h"
#include "engine/stream_args.h"
#include "engine/types/stream.h"

namespace stockd::engine {
namespace {

using namespace stream_internal;  // NOLINT: the family's own helpers

std::string_view Clip(std::string_view s) { return s.substr(0, 128); }

void SubcommandSyntaxError(CommandContext& ctx, std::string_view container) {
  ctx.Error(Cat({"ERR unknown subcommand or wrong number of arguments for '", Clip(ctx.argv[1]), "'. Try ",
                 container, " HELP."}));
}

void ReplyHelp(CommandContext& ctx, absl::Span<const std::string_view> lines) {
  ctx.reply.ArrayHeader(lines.size());
  for (std::string_view l : lines) ctx.reply.SimpleString(l);
}

void ReplyId(CommandContext& ctx, StreamID id) { ctx.reply.Bulk(id.ToString()); }

// ---- XGROUP ----

// The checks every XGROUP subcommand but HELP shares (Redis's xgroupCommand
// preamble): CREATE's options, the key's type, the key's existence unless
// MKSTREAM, the group's existence for SETID/CREATECONSUMER/DELCONSUMER.
struct XGroupTarget {
  KeyLoc loc;
  StreamObject* stream = nullptr;
  StreamGroup* group = nullptr;
  bool mkstream = false;
  int64_t entries_read = -1;
};

bool XGroupPreamble(CommandContext& ctx, XGroupTarget* t) {
  const auto& argv = ctx.argv;
  const std::string_view opt = argv[1];
  // CREATE takes MKSTREAM and ENTRIESREAD, SETID only ENTRIESREAD; both are
  // parsed (and ENTRIESREAD checked) before the key, the argument count
  // after it (Redis 7.0.15's order).
  const bool create = EqualsIgnoreCase(opt, "create");
  if ((create || EqualsIgnoreCase(opt, "setid")) && argv.size() >= 5) {
    for (size_t i = 5; i < argv.size();) {
      if (create && EqualsIgnoreCase(argv[i], "mkstream")) {
        t->mkstream = true;
        ++i;
      } else if (EqualsIgnoreCase(argv[i], "entriesread") && i + 1 < argv.size()) {
        if (!ParseLongLongOrReply(ctx, argv[i + 1], &t->entries_read)) return false;
        if (t->entries_read < 0 && t->entries_read != -1) {
          ctx.Error("ERR value for ENTRIESREAD must be positive or -1");
          return false;
        }
        i += 2;
      } else {
        SubcommandSyntaxError(ctx, "XGROUP");
        return false;
      }
    }
  }
  const std::string_view key = argv[2];
  t->loc = ctx.Locate(key);
  bool wrong;
  t->stream = FindStream(t->loc, key, ctx.now_ms, false, &wrong);
  if (wrong) {
    ctx.Error(errors::kWrongType);
    return false;
  }
  if (!t->mkstream) {
    if (t->stream == nullptr) {
      ctx.Error(
          "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
          "MKSTREAM option to create an empty stream automatically.");
      return false;
    }
    t->group = t->stream->FindGroup(argv[3]);
    if (t->group == nullptr && (EqualsIgnoreCase(opt, "setid") || EqualsIgnoreCase(opt, "createconsumer") ||
                                EqualsIgnoreCase(opt, "delconsumer"))) {
      ctx.Error(Cat({"NOGROUP No such consumer group '", argv[3], "' for key name '", key, "'"}));
      return false;
    }
  }
  return true;
}

void CmdXGroupCreate(CommandContext& ctx) {
  XGroupTarget t;
  if (!XGroupPreamble(ctx, &t)) return;
  if (ctx.argv.size() > 8) return SubcommandSyntaxError(ctx, "XGROUP");
  const std::string_view key = ctx.argv[2];
  StreamID id;
  if (ctx.argv[4] == "$") {
    id = t.stream == nullptr ? StreamID{} : t.stream->last_id;
  } else if (!ParseStrictIdOrReply(ctx, ctx.argv[4], 0, nullptr, &id)) {
    return;
  }
  if (t.stream == nullptr) {  // MKSTREAM: the command can no longer fail
    Entry* e = t.loc->Set(key, t.loc.hash, Value::FromObject(std::make_unique<StreamObject>()), ctx.now_ms);
    t.stream = AsStream(e->value);
  }
  auto [it, created] = t.stream->groups.try_emplace(std::string(ctx.argv[3]));
  if (!created) return ctx.Error("BUSYGROUP Consumer Group name already exists");
  it->second.last_id = id;
  it->second.entries_read = t.entries_read;
  t.loc->NoteChanged(key, t.loc.hash);
  ctx.Notify(notify::kStream, "xgroup-create", key);
  ctx.reply.Ok();
}

void CmdXGroupSetId(CommandContext& ctx) {
  XGroupTarget t;  // the preamble parsed ENTRIESREAD (-1 when absent, as Redis)
  if (!XGroupPreamble(ctx, &t)) return;
  if (ctx.argv.size() != 5 && ctx.argv.size() != 7) return SubcommandSyntaxError(ctx, "XGROUP");
  StreamID id;
  if (ctx.argv[4] == "$") {
    id = t.stream->last_id;
  } else if (!ParseId(ctx.argv[4], 0, false, nullptr, &id)) {
    return ctx.Error(kInvalidId);
  }
  t.group->last_id = id;
  t.group->entries_read = t.entries_read;
  t.loc->NoteChanged(ctx.argv[2], t.loc.hash);
  ctx.Notify(notify::kStream, "xgroup-setid", ctx.argv[2]);
  ctx.reply.Ok();
}

void CmdXGroupDestroy(CommandContext& ctx) {
  XGroupTarget t;
  if (!XGroupPreamble(ctx, &t)) return;
  if (t.group == nullptr) return ctx.reply.Integer(0);
  t.stream->groups.erase(std::string(ctx.argv[3]));
  t.loc->NoteChanged(ctx.argv[2], t.loc.hash);
  ctx.Notify(notify::kStream, "xgroup-destroy", ctx.argv[2]);
  ctx.reply.Integer(1);
  // Readers blocked in XREADGROUP on this group get -NOGROUP.
  SignalKeyReadyAll(ctx, t.loc, ctx.argv[2]);
}

void CmdXGroupCreateConsumer(CommandContext& ctx) {
  XGroupTarget t;
  if (!XGroupPreamble(ctx, &t)) return;
  auto [it, created] = t.group->consumers.try_emplace(std::string(ctx.argv[4]));
  if (created) {
    it->second.seen_time = ctx.now_ms;
    t.loc->NoteChanged(ctx.argv[2], t.loc.hash);
    ctx.Notify(notify::kStream, "xgroup-createconsumer", ctx.argv[2]);
  }
  ctx.reply.Integer(created ? 1 : 0);
}

void CmdXGroupDelConsumer(CommandContext& ctx) {
  XGroupTarget t;
  if (!XGroupPreamble(ctx, &t)) return;
  int64_t pending = 0;
  auto c = t.group->consumers.find(std::string(ctx.argv[4]));
  if (c != t.group->consumers.end()) {
    pending = static_cast<int64_t>(c->second.pel.size());
    for (const auto& [id, unused] : c->second.pel) t.group->pel.erase(id);
    t.group->consumers.erase(c);
    t.loc->NoteChanged(ctx.argv[2], t.loc.hash);
    ctx.Notify(notify::kStream, "xgroup-delconsumer", ctx.argv[2]);
  }
  ctx.reply.Integer(pending);
}

void CmdXGroupHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

// ---- XACK / XPENDING ----

// The stream and group of a group command, or nullptr after replying
// WRONGTYPE (*wrong) or when either is missing (the caller's own reply).
StreamGroup* FindGroupAt(CommandContext& ctx, std::string_view key, std::string_view group, bool read, bool* wrong,
                         StreamObject** stream, KeyLoc* loc) {
  *loc = ctx.Locate(key);
  *stream = FindStream(*loc, key, ctx.now_ms, read, wrong);
  if (*wrong) {
    ctx.Error(errors::kWrongType);
    return nullptr;
  }
  return *stream == nullptr ? nullptr : (*stream)->FindGroup(group);
}

void CmdXAck(CommandContext& ctx) {
  bool wrong;
  StreamObject* s;
  KeyLoc loc;
  StreamGroup* g = FindGroupAt(ctx, ctx.argv[1], ctx.argv[2], true, &wrong, &s, &loc);
  if (wrong) return;
  if (g == nullptr) return ctx.reply.Integer(0);
  std::vector<StreamID> ids(ctx.argv.size() - 3);
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    if (!ParseStrictIdOrReply(ctx, ctx.argv[j], 0, nullptr, &ids[j - 3])) return;
  }
  int64_t acked = 0;
  for (StreamID id : ids) {
    auto it = g->pel.find(id);
    if (it == g->pel.end()) continue;
    s->Ack(*g, it);
    ++acked;
  }
  if (acked > 0) loc->NoteChanged(ctx.argv[1], loc.hash);
  ctx.reply.Integer(acked);
}

void CmdXPending(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  const size_t argc = argv.size();
  const bool summary = argc == 3;
  if (argc != 3 && (argc < 6 || argc > 9)) return ctx.Error(errors::kSyntax);
  StreamID start, end;
  int64_t count = 0, minidle = 0;
  std::string_view consumer_name;
  bool have_consumer = false;
  if (argc >= 6) {
    size_t startidx = 3;
    if (EqualsIgnoreCase(argv[3], "idle")) {
      if (!ParseLongLongOrReply(ctx, argv[4], &minidle)) return;
      if (argc < 8) return ctx.Error(errors::kSyntax);
      startidx += 2;
    }
    if (!ParseLongLongOrReply(ctx, argv[startidx + 2], &count)) return;
    if (count < 0) count = 0;
    bool ex;
    if (!ParseIntervalIdOrReply(ctx, argv[startidx], 0, &start, &ex)) return;
    if (ex && !start.Incr()) return ctx.Error("ERR invalid start ID for the interval");
    if (!ParseIntervalIdOrReply(ctx, argv[startidx + 1], UINT64_MAX, &end, &ex)) return;
    if (ex && !end.Decr()) return ctx.Error("ERR invalid end ID for the interval");
    if (startidx + 3 < argc) {
      consumer_name = argv[startidx + 3];
      have_consumer = true;
    }
  }
  bool wrong;
  StreamObject* s;
  KeyLoc loc;
  StreamGroup* g = FindGroupAt(ctx, argv[1], argv[2], true, &wrong, &s, &loc);
  if (wrong) return;
  if (g == nullptr) {
    return ctx.Error(Cat({"NOGROUP No such key '", argv[1], "' or consumer group '", argv[2], "'"}));
  }
  if (summary) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Integer(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      ctx.reply.Null();
      ctx.reply.Null();
      ctx.reply.NullArray();
      return;
    }
    ReplyId(ctx, g->pel.begin()->first);
    ReplyId(ctx, g->pel.rbegin()->first);
    size_t n = 0;
    for (const auto& [name, c] : g->consumers) n += c.pel.empty() ? 0 : 1;
    ctx.reply.ArrayHeader(n);
    for (const auto& [name, c] : g->consumers) {
      if (c.pel.empty()) continue;
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(name);
      ctx.reply.Bulk(std::to_string(c.pel.size()));
    }
    return;
  }
  const StreamConsumer* consumer = nullptr;
  if (have_consumer) {
    auto it = g->consumers.find(std::string(consumer_name));
    if (it == g->consumers.end()) return ctx.reply.EmptyArray();
    consumer = &it->second;
  }
  const auto deferred = ctx.reply.DeferLength();
  size_t n = 0;
  auto emit = [&](StreamID id, const StreamNack& nack) {
    if (count == 0 || id > end) return false;
    if (minidle != 0 && ctx.now_ms - nack.delivery_time < minidle) return true;
    ++n;
    --count;
    ctx.reply.ArrayHeader(4);
    ReplyId(ctx, id);
    ctx.reply.Bulk(nack.consumer);
    ctx.reply.Integer(std::max<int64_t>(0, ctx.now_ms - nack.delivery_time));
    ctx.reply.Integer(static_cast<int64_t>(nack.delivery_count));
    return true;
  };
  if (consumer != nullptr) {
    for (auto it = consumer->pel.lower_bound(start); it != consumer->pel.end(); ++it) {
      if (!emit(it->first, g->pel[it->first])) break;
    }
  } else {
    for (auto it = g->pel.lower_bound(start); it != g->pel.end(); ++it) {
      if (!emit(it->first, it->second)) break;
    }
  }
  ctx.reply.SetDeferredArrayLen(deferred, n);
}

// ---- XCLAIM / XAUTOCLAIM ----

// Moves the NACK of id to consumer (Redis's claim step): delivery time,
// delivery count (retrycount when >= 0, else +1 unless justid).
void Claim(StreamGroup& g, StreamNack& nack, StreamID id, const std::string& consumer, int64_t delivery_time,
           int64_t retrycount, bool justid, bool had_consumer) {
  if (had_consumer && nack.consumer != consumer) {
    auto old = g.consumers.find(nack.consumer);
    if (old != g.consumers.end()) old->second.pel.erase(id);
  }
  nack.delivery_time = delivery_time;
  if (retrycount >= 0) {
    nack.delivery_count = static_cast<uint64_t>(retrycount);
  } else if (!justid) {
    ++nack.delivery_count;
  }
  nack.consumer = consumer;
  g.consumers[consumer].pel[id] = true;
}

void CmdXClaim(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  bool wrong;
  StreamObject* s;
  KeyLoc loc;
  StreamGroup* g = FindGroupAt(ctx, argv[1], argv[2], true, &wrong, &s, &loc);
  if (wrong) return;
  if (g == nullptr) {
    return ctx.Error(Cat({"NOGROUP No such key '", argv[1], "' or consumer group '", argv[2], "'"}));
  }
  int64_t minidle;
  if (!ParseInt64Arg(argv[4], &minidle)) return ctx.Error("ERR Invalid min-idle-time argument for XCLAIM");
  if (minidle < 0) minidle = 0;
  std::vector<StreamID> ids;
  size_t j = 5;
  for (; j < argv.size(); ++j) {
    StreamID id;
    if (!ParseId(argv[j], 0, true, nullptr, &id)) break;
    ids.push_back(id);
  }
  const int64_t now = ctx.now_ms;
  int64_t retrycount = -1, deliverytime = -1;
  bool force = false, justid = false;
  StreamID last_id;
  for (; j < argv.size(); ++j) {
    const size_t moreargs = argv.size() - 1 - j;
    const std::string_view opt = argv[j];
    if (EqualsIgnoreCase(opt, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      justid = true;
    } else if (EqualsIgnoreCase(opt, "idle") && moreargs > 0) {
      ++j;
      if (!ParseInt64Arg(argv[j], &deliverytime)) return ctx.Error("ERR Invalid IDLE option argument for XCLAIM");
      deliverytime = now - deliverytime;
    } else if (EqualsIgnoreCase(opt, "time") && moreargs > 0) {
      ++j;
      if (!ParseInt64Arg(argv[j], &deliverytime)) return ctx.Error("ERR Invalid TIME option argument for XCLAIM");
    } else if (EqualsIgnoreCase(opt, "retrycount") && moreargs > 0) {
      ++j;
      if (!ParseInt64Arg(argv[j], &retrycount)) {
        return ctx.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM");
      }
    } else if (EqualsIgnoreCase(opt, "lastid") && moreargs > 0) {
      ++j;
      if (!ParseStrictIdOrReply(ctx, argv[j], 0, nullptr, &last_id)) return;
    } else {
      return ctx.Error(Cat({"ERR Unrecognized XCLAIM option '", opt, "'"}));
    }
  }
  bool changed = false;
  if (last_id > g->last_id) {
    g->last_id = last_id;
    changed = true;
  }
  // A bogus delivery time (negative, in the future) is now, as Redis.
  if (deliverytime == -1 || deliverytime < 0 || deliverytime > now) deliverytime = now;
  const std::string consumer(argv[3]);
  bool consumer_seen = false;
  const auto deferred = ctx.reply.DeferLength();
  size_t n = 0;
  for (StreamID id : ids) {
    auto nack = g->pel.find(id);
    auto entry = s->entries().find(id);
    if (entry == s->entries().end()) {
      // The entry is gone: its NACK goes too.
      if (nack != g->pel.end()) {
        s->Ack(*g, nack);
        changed = true;
      }
      continue;
    }
    bool had_consumer = true;
    if (force && nack == g->pel.end()) {
      nack = g->pel.try_emplace(id).first;
      nack->second.delivery_time = now;
      nack->second.delivery_count = 1;
      had_consumer = false;
    }
    if (nack == g->pel.end()) continue;
    if (had_consumer && minidle != 0 && now - nack->second.delivery_time < minidle) continue;
    if (!consumer_seen) {
      bool created;
      s->LookupOrCreateConsumer(*g, consumer, now, &created);
      if (created) ctx.Notify(notify::kStream, "xgroup-createconsumer", argv[1]);
      consumer_seen = true;
    }
    Claim(*g, nack->second, id, consumer, deliverytime, retrycount, justid, had_consumer);
    changed = true;
    if (justid) {
      ReplyId(ctx, id);
    } else {
      ReplyEntry(ctx, id, entry->second);
    }
    ++n;
  }
  ctx.reply.SetDeferredArrayLen(deferred, n);
  if (changed || consumer_seen) loc->NoteChanged(argv[1], loc.hash);
}

void CmdXAutoClaim(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  int64_t minidle;
  if (!ParseInt64Arg(argv[4], &minidle)) return ctx.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
  if (minidle < 0) minidle = 0;
  StreamID start;
  bool ex;
  if (!ParseIntervalIdOrReply(ctx, argv[5], 0, &start, &ex)) return;
  if (ex && !start.Incr()) return ctx.Error("ERR invalid start ID for the interval");
  int64_t count = 100;
  bool justid = false;
  // Redis bounds COUNT so count * max(sizeof(streamID), 10) fits a long.
  constexpr int64_t kMaxCount = LONG_MAX / 16;
  for (size_t j = 6; j < argv.size(); ++j) {
    const size_t moreargs = argv.size() - 1 - j;
    if (EqualsIgnoreCase(argv[j], "count") && moreargs > 0) {
      int64_t v;
      if (!ParseInt64Arg(argv[j + 1], &v) || v < 1 || v > kMaxCount) return ctx.Error("ERR COUNT must be > 0");
      count = v;
      ++j;
    } else if (EqualsIgnoreCase(argv[j], "justid")) {
      justid = true;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  bool wrong;
  StreamObject* s;
  KeyLoc loc;
  StreamGroup* g = FindGroupAt(ctx, argv[1], argv[2], true, &wrong, &s, &loc);
  if (wrong) return;
  if (g == nullptr) {
    return ctx.Error(Cat({"NOGROUP No such key '", argv[1], "' or consumer group '", argv[2], "'"}));
  }
  const int64_t now = ctx.now_ms;
  const std::string consumer(argv[3]);
  int64_t attempts = count * 10;
  bool consumer_seen = false, changed = false;
  std::vector<StreamID> deleted;
  ctx.reply.ArrayHeader(3);
  // The cursor is known only at the end: build the claimed part aside.
  std::vector<std::pair<StreamID, const StreamObject::Fields*>> claimed;
  auto it = g->pel.lower_bound(start);
  while (attempts-- > 0 && count > 0 && it != g->pel.end()) {
    const StreamID id = it->first;
    auto entry = s->entries().find(id);
    if (entry == s->entries().end()) {
      auto next = std::next(it);
      s->Ack(*g, it);
      it = next;
      deleted.push_back(id);
      changed = true;
      --count;
      continue;
    }
    if (minidle != 0 && now - it->second.delivery_time < minidle) {
      ++it;
      continue;
    }
    if (!consumer_seen) {
      bool created;
      s->LookupOrCreateConsumer(*g, consumer, now, &created);
      if (created) ctx.Notify(notify::kStream, "xgroup-createconsumer", argv[1]);
      consumer_seen = true;
    }
    Claim(*g, it->second, id, consumer, now, -1, justid, true);
    changed = true;
    claimed.emplace_back(id, &entry->second);
    --count;
    ++it;
  }
  ReplyId(ctx, it == g->pel.end() ? StreamID{} : it->first);
  ctx.reply.ArrayHeader(claimed.size());
  for (const auto& [id, fields] : claimed) {
    if (justid) {
      ReplyId(ctx, id);
    } else {
      ReplyEntry(ctx, id, *fields);
    }
  }
  ctx.reply.ArrayHeader(deleted.size());
  for (StreamID id : deleted) ReplyId(ctx, id);
  if (changed || consumer_seen) loc->NoteChanged(argv[1], loc.hash);
}

// ---- XINFO ----

// The stream of an XINFO subcommand: "ERR no such key" when missing.
StreamObject* XInfoStream(CommandContext& ctx) {
  KeyLoc loc = ctx.Locate(ctx.argv[2]);
  bool wrong;
  StreamObject* s = FindStream(loc, ctx.argv[2], ctx.now_ms, true, &wrong);
  if (wrong) {
    ctx.Error(errors::kWrongType);
  } else if (s == nullptr) {
    ctx.Error(errors::kNoSuchKey);
  }
  return s;
}

void ReplyLagAndRead(CommandContext& ctx, const StreamObject& s, const StreamGroup& g) {
  ctx.reply.Bulk("entries-read");
  if (g.entries_read != -1) {
    ctx.reply.Integer(g.entries_read);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Bulk("lag");
  int64_t lag;
  if (s.GroupLag(g, &lag)) {
    ctx.reply.Integer(lag);
  } else {
    ctx.reply.Null();
  }
}

void CmdXInfoConsumers(CommandContext& ctx) {
  StreamObject* s = XInfoStream(ctx);
  if (s == nullptr) return;
  StreamGroup* g = s->FindGroup(ctx.argv[3]);
  if (g == nullptr) {
    return ctx.Error(Cat({"NOGROUP No such consumer group '", ctx.argv[3], "' for key name '", ctx.argv[2], "'"}));
  }
  ctx.reply.ArrayHeader(g->consumers.size());
  for (const auto& [name, c] : g->consumers) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(c.pel.size()));
    ctx.reply.Bulk("idle");
    ctx.reply.Integer(std::max<int64_t>(0, ctx.now_ms - c.seen_time));
  }
}

void CmdXInfoGroups(CommandContext& ctx) {
  StreamObject* s = XInfoStream(ctx);
  if (s == nullptr) return;
  ctx.reply.ArrayHeader(s->groups.size());
  for (const auto& [name, g] : s->groups) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("consumers");
    ctx.reply.Integer(static_cast<int64_t>(g.consumers.size()));
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(g.pel.size()));
    ctx.reply.Bulk("last-delivered-id");
    ReplyId(ctx, g.last_id);
    ReplyLagAndRead(ctx, *s, g);
  }
}

void CmdXInfoStream(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  StreamObject* s = XInfoStream(ctx);
  if (s == nullptr) return;
  bool full = false;
  int64_t count = 10;  // Redis's default, so FULL does not block the server
  if (argv.size() > 3) {
    if (!EqualsIgnoreCase(argv[3], "full")) return SubcommandSyntaxError(ctx, "XINFO");
    full = true;
    if (argv.size() > 4) {
      if (argv.size() != 6 || !EqualsIgnoreCase(argv[4], "count")) return SubcommandSyntaxError(ctx, "XINFO");
      if (!ParseLongLongOrReply(ctx, argv[5], &count)) return;
      if (count < 0) count = 10;  // COUNT 0 means all; a negative one the default
    }
  }
  ctx.reply.MapHeader(full ? 9 : 10);
  ctx.reply.Bulk("length");
  ctx.reply.Integer(static_cast<int64_t>(s->size()));
  ctx.reply.Bulk("radix-tree-keys");
  ctx.reply.Integer(static_cast<int64_t>(s->nodes().size()));
  ctx.reply.Bulk("radix-tree-nodes");
  ctx.reply.Integer(static_cast<int64_t>(s->RaxNodes()));
  ctx.reply.Bulk("last-generated-id");
  ReplyId(ctx, s->last_id);
  ctx.reply.Bulk("max-deleted-entry-id");
  ReplyId(ctx, s->max_deleted_entry_id);
  ctx.reply.Bulk("entries-added");
  ctx.reply.Integer(static_cast<int64_t>(s->entries_added));
  ctx.reply.Bulk("recorded-first-entry-id");
  ReplyId(ctx, s->first_id());
  if (!full) {
    ctx.reply.Bulk("groups");
    ctx.reply.Integer(static_cast<int64_t>(s->groups.size()));
    ctx.reply.Bulk("first-entry");
    if (s->size() == 0) {
      ctx.reply.Null();
    } else {
      ReplyEntry(ctx, s->entries().begin()->first, s->entries().begin()->second);
    }
    ctx.reply.Bulk("last-entry");
    if (s->size() == 0) {
      ctx.reply.Null();
    } else {
      ReplyEntry(ctx, s->entries().rbegin()->first, s->entries().rbegin()->second);
    }
    return;
  }
  ctx.reply.Bulk("entries");
  ReplyRange(ctx, *s, StreamID{}, StreamID::Max(), count, false);
  ctx.reply.Bulk("groups");
  ctx.reply.ArrayHeader(s->groups.size());
  const auto limit = static_cast<size_t>(count);
  for (const auto& [name, g] : s->groups) {
    ctx.reply.MapHeader(7);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("last-delivered-id");
    ReplyId(ctx, g.last_id);
    ReplyLagAndRead(ctx, *s, g);
    ctx.reply.Bulk("pel-count");
    ctx.reply.Integer(static_cast<int64_t>(g.pel.size()));
    ctx.reply.Bulk("pending");
    const size_t npel = limit == 0 ? g.pel.size() : std::min(limit, g.pel.size());
    ctx.reply.ArrayHeader(npel);
    size_t i = 0;
    for (auto it = g.pel.begin(); i < npel; ++it, ++i) {
      ctx.reply.ArrayHeader(4);
      ReplyId(ctx, it->first);
      ctx.reply.Bulk(it->second.consumer);
      ctx.reply.Integer(it->second.delivery_time);
      ctx.reply.Integer(static_cast<int64_t>(it->second.delivery_count));
    }
    ctx.reply.Bulk("consumers");
    ctx.reply.ArrayHeader(g.consumers.size());
    for (const auto& [cname, c] : g.consumers) {
      ctx.reply.MapHeader(4);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(cname);
      ctx.reply.Bulk("seen-time");
      ctx.reply.Integer(c.seen_time);
      ctx.reply.Bulk("pel-count");
      ctx.reply.Integer(static_cast<int64_t>(c.pel.size()));
      ctx.reply.Bulk("pending");
      const size_t ncpel = limit == 0 ? c.pel.size() : std::min(limit, c.pel.size());
      ctx.reply.ArrayHeader(ncpel);
      size_t k = 0;
      for (auto it = c.pel.begin(); k < ncpel; ++it, ++k) {
        const StreamNack& nack = g.pel.at(it->first);
        ctx.reply.ArrayHeader(3);
        ReplyId(ctx, it->first);
        ctx.reply.Integer(nack.delivery_time);
        ctx.reply.Integer(static_cast<int64_t>(nack.delivery_count));
      }
    }
  }
}

void CmdXInfoHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterStreamGroupFamily(CommandTable& t) {
  Command* xgroup = t.Register({"xgroup", -2, 0, 0, 0, 0, nullptr, "@slow", "stream", "5.0.0"});
  t.RegisterSubcommand(xgroup, {"create", -5, kWrite | kDenyOom, 2, 2, 1, CmdXGroupCreate,
                                "@write @stream @slow", "stream", "5.0.0"});
  t.RegisterSubcommand(xgroup, {"setid", -5, kWrite, 2, 2, 1, CmdXGroupSetId, "@write @stream @slow", "stream",
                                "5.0.0"});
  t.RegisterSubcommand(xgroup, {"destroy", 4, kWrite, 2, 2, 1, CmdXGroupDestroy, "@write @stream @slow", "stream",
                                "5.0.0"});
  t.RegisterSubcommand(xgroup, {"createconsumer", 5, kWrite | kDenyOom, 2, 2, 1, CmdXGroupCreateConsumer,
                                "@write @stream @slow", "stream", "6.2.0"});
  t.RegisterSubcommand(xgroup, {"delconsumer", 5, kWrite, 2, 2, 1, CmdXGroupDelConsumer, "@write @stream @slow",
                                "stream", "5.0.0"});
  t.RegisterSubcommand(xgroup, {"help", 2, kLoading | kStale, 0, 0, 0, CmdXGroupHelp, "@stream @slow", "stream",
                                "5.0.0"});
  t.Register({"xack", -4, kWrite | kFast, 1, 1, 1, CmdXAck, "@write @stream @fast", "stream", "5.0.0"});
  t.Register({"xpending", -3, kReadOnly, 1, 1, 1, CmdXPending, "@read @stream @slow", "stream", "5.0.0"});
  t.Register({"xclaim", -6, kWrite | kFast, 1, 1, 1, CmdXClaim, "@write @stream @fast", "stream", "5.0.0"});
  t.Register({"xautoclaim", -6, kWrite | kFast, 1, 1, 1, CmdXAutoClaim, "@write @stream @fast", "stream",
              "6.2.0"});
  Command* xinfo = t.Register({"xinfo", -2, 0, 0, 0, 0, nullptr, "@slow", "stream", "5.0.0"});
  t.RegisterSubcommand(xinfo, {"consumers", 4, kReadOnly, 2, 2, 1, CmdXInfoConsumers, "@read @stream @slow",
                               "stream", "5.0.0"});
  t.RegisterSubcommand(xinfo, {"groups", 3, kReadOnly, 2, 2, 1, CmdXInfoGroups, "@read @stream @slow", "stream",
                               "5.0.0"});
  t.RegisterSubcommand(xinfo, {"stream", -3, kReadOnly, 2, 2, 1, CmdXInfoStream, "@read @stream @slow", "stream",
                               "5.0.0"});
  t.RegisterSubcommand(xinfo, {"help", 2, kLoading | kStale, 0, 0, 0, CmdXInfoHelp, "@stream @slow", "stream",
                               "5.0.0"});
}

}  // namespace stockd::engine
