// engine/stream_family.cc — the stream commands (Redis 7.0's t_stream.c):
// XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD XREADGROUP; the group
// management commands are stream_group_family.cc.
//
// Streams are engine/types/stream.h. Replies and error texts are Redis
// 7.0.15's, byte for byte, RESP3 included (XREAD answers a map there);
// argument checks run in Redis's order (XDEL looks the key up before parsing
// its IDs, XADD and XTRIM after), so the same malformed call gets the same
// error.
//
// XREAD BLOCK: the reader parks (engine/blocking.h) on its keys. Reading does
// not consume, so XADD wakes every reader of the key (SignalKeyReadyAll); the
// IDs a blocked call waits after — `$` resolved to the stream's last ID when
// it first blocked — are kept in its BlockState across re-runs. A woken
// reader is served from the key that woke it (one stream in the reply, as
// Redis's serveClientsBlockedOnStreamKey). Inside MULTI it answers as without
// BLOCK; from a script BLOCK is Redis's error. XREADGROUP ... BLOCK waits on
// `>`: XADD wakes it, XGROUP DESTROY fails it with Redis's -NOGROUP error.
//
// A XREADGROUP blocked on a stream that another command removes (DEL,
// UNLINK, RENAME or MOVE away, expiry, SET over it) fails with "UNBLOCKED the
// stream key no longer exists": CommandContext::Notify wakes the waiters of
// a key on those keyspace events.
//
// Known differences from Redis 7.0.15 (all in blocking corners):
//  * FLUSHDB / FLUSHALL / SWAPDB (no per-key event) do not fail a blocked
//    XREADGROUP at once: it fails when its key is next written or times out;
//  * the readers blocked on one group are all woken by an XADD and served in
//    the order they run, not strictly in arrival order;
//  * stream-node-max-entries / -bytes are Redis's defaults (100 / 4096):
//    CONFIG SET accepts them, as every encoding knob, without effect.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/keyspace_events.h"
#include "engine/session.h"
#include "engine/stream_args.h"
#include "engine/types/stream.h"

namespace stockd::engine {
namespace {

using namespace stream_internal;  // NOLINT: the family's own helpers

// ---- XADD / XTRIM arguments (Redis's streamParseAddOrTrimArgsOrReply) ----

enum class TrimStrategy { kNone, kMaxLen, kMinId };

struct AddTrimArgs {
  TrimStrategy strategy = TrimStrategy::kNone;
  bool approx = false;
  int64_t maxlen = 0;
  StreamID minid;
  int64_t limit = 0;
  bool no_mkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamID id;
};

// Returns the index of XADD's ID argument (or argc), or -1 after replying an error.
int ParseAddOrTrimArgs(CommandContext& ctx, AddTrimArgs* a, bool xadd) {
  const auto& argv = ctx.argv;
  const size_t argc = argv.size();
  bool limit_given = false;
  size_t i = 2;
  for (; i < argc; ++i) {
    const size_t moreargs = argc - 1 - i;
    const std::string_view opt = argv[i];
    if (xadd && opt == "*") break;
    const bool maxlen = EqualsIgnoreCase(opt, "maxlen");
    if ((maxlen || EqualsIgnoreCase(opt, "minid")) && moreargs > 0) {
      if (a->strategy != TrimStrategy::kNone) {
        ctx.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return -1;
      }
      // MAXLEN|MINID [=|~] threshold
      a->approx = false;
      const std::string_view next = argv[i + 1];
      if (moreargs >= 2 && next == "~") {
        a->approx = true;
        ++i;
      } else if (moreargs >= 2 && next == "=") {
        ++i;
      }
      const std::string_view threshold = argv[++i];
      if (maxlen) {
        if (!ParseLongLongOrReply(ctx, threshold, &a->maxlen)) return -1;
        if (a->maxlen < 0) {
          ctx.Error("ERR The MAXLEN argument must be >= 0.");
          return -1;
        }
        a->strategy = TrimStrategy::kMaxLen;
      } else {
        if (!ParseStrictIdOrReply(ctx, threshold, 0, nullptr, &a->minid)) return -1;
        a->strategy = TrimStrategy::kMinId;
      }
    } else if (EqualsIgnoreCase(opt, "limit") && moreargs > 0) {
      if (!ParseLongLongOrReply(ctx, argv[i + 1], &a->limit)) return -1;
      if (a->limit < 0) {
        ctx.Error("ERR The LIMIT argument must be >= 0.");
        return -1;
      }
      limit_given = true;
      ++i;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      a->no_mkstream = true;
    } else if (xadd) {
      // A syntax error or the ID.
      if (!ParseStrictIdOrReply(ctx, opt, 0, &a->seq_given, &a->id)) return -1;
      a->id_given = true;
      break;
    } else {
      ctx.Error(errors::kSyntax);
      return -1;
    }
  }
  if (a->limit != 0 && a->strategy == TrimStrategy::kNone) {
    ctx.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && a->strategy == TrimStrategy::kNone) {
    ctx.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (limit_given) {
    if (!a->approx) {
      ctx.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else {
    // Redis: 100 * stream-node-max-entries for `~`, no limit for exact trims.
    a->limit = a->approx ? static_cast<int64_t>(100 * StreamObject::kNodeMaxEntries) : 0;
  }
  return static_cast<int>(i);
}

int64_t Trim(StreamObject& s, const AddTrimArgs& a) {
  if (a.strategy == TrimStrategy::kMaxLen) return s.TrimMaxLen(static_cast<uint64_t>(a.maxlen), a.approx, a.limit);
  if (a.strategy == TrimStrategy::kMinId) return s.TrimMinId(a.minid, a.approx, a.limit);
  return 0;
}

void CmdXAdd(CommandContext& ctx) {
  AddTrimArgs a;
  const int idpos = ParseAddOrTrimArgs(ctx, &a, true);
  if (idpos < 0) return;
  const size_t field_pos = static_cast<size_t>(idpos) + 1;
  const size_t argc = ctx.argv.size();
  if (field_pos > argc || argc - field_pos < 2 || (argc - field_pos) % 2 == 1) {
    return ctx.Error(errors::WrongArity(ctx.command.full_name()));
  }
  if (a.id_given && a.seq_given && a.id.IsZero()) {
    return ctx.Error("ERR The ID specified in XADD must be greater than 0-0");
  }
  const std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  StreamObject* s = FindStream(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (s == nullptr && a.no_mkstream) return ctx.reply.Null();
  const StreamID last = s == nullptr ? StreamID{} : s->last_id;
  if (last == StreamID::Max()) {
    return ctx.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  // Redis's streamAppendItem ID choice.
  StreamID id;
  if (a.id_given) {
    if (a.seq_given) {
      id = a.id;
    } else if (last.ms == a.id.ms) {
      if (last.seq == UINT64_MAX) {
        // Redis 7.0.15 fails here without setting errno to EDOM, and so
        // answers its other append error.
        return ctx.Error("ERR Elements are too large to be stored");
      } else {
        id = StreamID{last.ms, last.seq + 1};
      }
    } else {
      id = a.id;
    }
  } else if (static_cast<uint64_t>(ctx.now_ms) > last.ms) {
    id = StreamID{static_cast<uint64_t>(ctx.now_ms), 0};
  } else {
    id = last;
    id.Incr();
  }
  if (id <= last) {
    return ctx.Error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
  if (s == nullptr) {
    Entry* e = loc->Set(key, loc.hash, Value::FromObject(std::make_unique<StreamObject>()), ctx.now_ms);
    s = AsStream(e->value);
  }
  s->Append(id, StreamObject::Fields(ctx.argv.begin() + static_cast<ptrdiff_t>(field_pos), ctx.argv.end()));
  ctx.reply.Bulk(id.ToString());
  ctx.Notify(notify::kStream, "xadd", key);
  if (Trim(*s, a) > 0) ctx.Notify(notify::kStream, "xtrim", key);
  loc->NoteChanged(key, loc.hash);
  SignalKeyReadyAll(ctx, loc, key);
}

void CmdXTrim(CommandContext& ctx) {
  // Redis 7.0.15 parses the arguments before it looks the key up.
  AddTrimArgs a;
  if (ParseAddOrTrimArgs(ctx, &a, false) < 0) return;
  const std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  StreamObject* s = FindStream(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (s == nullptr) return ctx.reply.Integer(0);
  const int64_t deleted = Trim(*s, a);
  if (deleted > 0) {
    loc->NoteChanged(key, loc.hash);
    ctx.Notify(notify::kStream, "xtrim", key);
  }
  ctx.reply.Integer(deleted);
}

void CmdXLen(CommandContext& ctx) {
  KeyLoc loc = ctx.Locate(ctx.argv[1]);
  bool wrong;
  StreamObject* s = FindStream(loc, ctx.argv[1], ctx.now_ms, true, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  ctx.reply.Integer(s == nullptr ? 0 : static_cast<int64_t>(s->size()));
}

void RangeGeneric(CommandContext& ctx, bool rev) {
  const std::string_view start_arg = rev ? ctx.argv[3] : ctx.argv[2];
  const std::string_view end_arg = rev ? ctx.argv[2] : ctx.argv[3];
  StreamID start, end;
  bool start_ex, end_ex;
  if (!ParseIntervalIdOrReply(ctx, start_arg, 0, &start, &start_ex)) return;
  if (start_ex && !start.Incr()) return ctx.Error("ERR invalid start ID for the interval");
  if (!ParseIntervalIdOrReply(ctx, end_arg, UINT64_MAX, &end, &end_ex)) return;
  if (end_ex && !end.Decr()) return ctx.Error("ERR invalid end ID for the interval");
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argv.size(); ++j) {
    const size_t additional = ctx.argv.size() - j - 1;
    if (EqualsIgnoreCase(ctx.argv[j], "count") && additional >= 1) {
      if (!ParseLongLongOrReply(ctx, ctx.argv[j + 1], &count)) return;
      if (count < 0) count = 0;
      ++j;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  KeyLoc loc = ctx.Locate(ctx.argv[1]);
  bool wrong;
  StreamObject* s = FindStream(loc, ctx.argv[1], ctx.now_ms, true, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (s == nullptr) return ctx.reply.EmptyArray();
  if (count == 0) return ctx.reply.NullArray();
  ReplyRange(ctx, *s, start, end, count == -1 ? 0 : count, rev);
}
void CmdXRange(CommandContext& ctx) { RangeGeneric(ctx, false); }
void CmdXRevRange(CommandContext& ctx) { RangeGeneric(ctx, true); }

void CmdXDel(CommandContext& ctx) {
  const std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  StreamObject* s = FindStream(loc, key, ctx.now_ms, false, &wrong);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (s == nullptr) return ctx.reply.Integer(0);
  // Every ID is checked before any is deleted (no partial execution).
  std::vector<StreamID> ids(ctx.argv.size() - 2);
  for (size_t j = 2; j < ctx.argv.size(); ++j) {
    if (!ParseStrictIdOrReply(ctx, ctx.argv[j], 0, nullptr, &ids[j - 2])) return;
  }
  int64_t deleted = 0;
  for (StreamID id : ids) {
    if (!s->Erase(id)) continue;
    if (id > s->max_deleted_entry_id) s->max_deleted_entry_id = id;
    ++deleted;
  }
  if (deleted > 0) {
    loc->NoteChanged(key, loc.hash);
    ctx.Notify(notify::kStream, "xdel", key);
  }
  ctx.reply.Integer(deleted);
}

void CmdXSetId(CommandContext& ctx) {
  StreamID id, max_xdel_id;
  int64_t entries_added = -1;
  if (!ParseStrictIdOrReply(ctx, ctx.argv[2], 0, nullptr, &id)) return;
  for (size_t i = 3; i < ctx.argv.size();) {
    const size_t moreargs = ctx.argv.size() - 1 - i;
    const std::string_view opt = ctx.argv[i];
    if (EqualsIgnoreCase(opt, "entriesadded") && moreargs > 0) {
      if (!ParseLongLongOrReply(ctx, ctx.argv[i + 1], &entries_added)) return;
      if (entries_added < 0) return ctx.Error("ERR entries_added must be positive");
      i += 2;
    } else if (EqualsIgnoreCase(opt, "maxdeletedid") && moreargs > 0) {
      if (!ParseStrictIdOrReply(ctx, ctx.argv[i + 1], 0, nullptr, &max_xdel_id)) return;
      if (id < max_xdel_id) {
        return ctx.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
      i += 2;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  const std::string_view key = ctx.argv[1];
  KeyLoc loc = ctx.Locate(key);
  bool wrong;
  StreamObject* s = FindStream(loc, key, ctx.now_ms, false, &wrong);
  if (s == nullptr && !wrong) return ctx.Error(errors::kNoSuchKey);
  if (wrong) return ctx.Error(errors::kWrongType);
  if (s->size() > 0) {
    if (id < s->last_entry_id()) {
      return ctx.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added != -1 && s->size() > static_cast<uint64_t>(entries_added)) {
      return ctx.Error("ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  s->last_id = id;
  if (entries_added != -1) s->entries_added = static_cast<uint64_t>(entries_added);
  if (!max_xdel_id.IsZero()) s->max_deleted_entry_id = max_xdel_id;
  loc->NoteChanged(key, loc.hash);
  ctx.Notify(notify::kStream, "xsetid", key);
  ctx.reply.Ok();
}

// ---- XREAD / XREADGROUP ----

void PutIds(const std::vector<StreamID>& ids, std::string* out) {
  out->resize(ids.size() * sizeof(StreamID));
  std::memcpy(out->data(), ids.data(), out->size());
}
void GetIds(const std::string& in, std::vector<StreamID>* ids) {
  ids->resize(in.size() / sizeof(StreamID));
  std::memcpy(ids->data(), in.data(), ids->size() * sizeof(StreamID));
}

// XREADGROUP's delivery of the entries after `start` (Redis's
// streamReplyWithRange with a group): advances the group's last ID and
// entries_read, and records each entry in the PELs unless NOACK.
void ReplyGroupRange(CommandContext& ctx, StreamObject& s, StreamGroup& g, const std::string& consumer,
                     StreamID start, int64_t count, bool noack) {
  const auto& entries = s.entries();
  const auto deferred = ctx.reply.DeferLength();
  size_t n = 0;
  for (auto it = entries.lower_bound(start); it != entries.end(); ++it) {
    const StreamID id = it->first;
    if (id > g.last_id) {
      if (g.entries_read != -1 && !s.RangeHasTombstones(id, StreamID::Max())) {
        ++g.entries_read;
      } else if (s.entries_added != 0) {
        g.entries_read = s.EstimateDistanceFromFirstEverEntry(id);
      }
      g.last_id = id;
    }
    ReplyEntry(ctx, id, it->second);
    if (!noack) s.Deliver(g, id, consumer, ctx.now_ms);
    ++n;
    if (count > 0 && n == static_cast<size_t>(count)) break;
  }
  ctx.reply.SetDeferredArrayLen(deferred, n);
}

// XREADGROUP with an explicit ID: the consumer's own pending entries after
// it (Redis's streamReplyWithRangeFromConsumerPEL); an entry deleted since
// is its ID with a null array.
void ReplyConsumerHistory(CommandContext& ctx, StreamObject& s, StreamGroup& g, StreamConsumer& c, StreamID start,
                          int64_t count) {
  const auto deferred = ctx.reply.DeferLength();
  size_t n = 0;
  for (auto it = c.pel.lower_bound(start); it != c.pel.end(); ++it) {
    if (count > 0 && n == static_cast<size_t>(count)) break;
    auto e = s.entries().find(it->first);
    if (e == s.entries().end()) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(it->first.ToString());
      ctx.reply.NullArray();
    } else {
      ReplyEntry(ctx, e->first, e->second);
      StreamNack& nack = g.pel[it->first];
      nack.delivery_time = ctx.now_ms;
      ++nack.delivery_count;
    }
    ++n;
  }
  ctx.reply.SetDeferredArrayLen(deferred, n);
}

void ReadGeneric(CommandContext& ctx, bool xreadgroup) {
  const auto& argv = ctx.argv;
  const size_t argc = argv.size();
  int64_t deadline = -1;  // -1: no BLOCK
  int64_t count = 0;
  size_t streams_arg = 0, streams_count = 0;
  bool noack = false;
  std::string_view group_name, consumer_name;
  bool have_group = false;
  for (size_t i = 1; i < argc; ++i) {
    const size_t moreargs = argc - i - 1;
    const std::string_view o = argv[i];
    if (EqualsIgnoreCase(o, "block") && moreargs > 0) {
      if (ctx.session.in_script) {
        return ctx.Error(std::string("ERR ") + std::string(argv[0]) +
                         " command is not allowed with BLOCK option from scripts");
      }
      ++i;
      int64_t ms;
      if (!ParseInt64Arg(argv[i], &ms)) return ctx.Error("ERR timeout is not an integer or out of range");
      if (ms < 0) return ctx.Error("ERR timeout is negative");
      // Redis 7.0.15 adds the clock without an overflow check; the wrapped
      // deadline never fires there, so a deadline past INT64_MAX waits forever.
      if (ms > 0) ms = ms > INT64_MAX - ctx.now_ms ? 0 : ms + ctx.now_ms;
      deadline = ms;
    } else if (EqualsIgnoreCase(o, "count") && moreargs > 0) {
      ++i;
      if (!ParseLongLongOrReply(ctx, argv[i], &count)) return;
      if (count < 0) count = 0;
    } else if (EqualsIgnoreCase(o, "streams") && moreargs > 0) {
      streams_arg = i + 1;
      streams_count = argc - streams_arg;
      if (streams_count % 2 != 0) {
        // Redis 7.0.15 says XREAD and '$' for XREADGROUP too.
        return ctx.Error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      streams_count /= 2;
      break;
    } else if (EqualsIgnoreCase(o, "group") && moreargs >= 2) {
      if (!xreadgroup) {
        return ctx.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
      }
      group_name = argv[i + 1];
      consumer_name = argv[i + 2];
      have_group = true;
      i += 2;
    } else if (EqualsIgnoreCase(o, "noack")) {
      if (!xreadgroup) {
        return ctx.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
      }
      noack = true;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  if (streams_arg == 0) return ctx.Error(errors::kSyntax);
  if (xreadgroup && !have_group) return ctx.Error("ERR Missing GROUP option for XREADGROUP");
  const auto keys = argv.subspan(streams_arg, streams_count);

  // The IDs to read after: parsed on the first run; on a re-run after a
  // wake-up, the ones the first run blocked with (`$` stays what it was).
  // For XREADGROUP `>` is the max ID, resolved to the group's last ID below.
  std::string* state = BlockState(ctx);
  const bool rerun = state != nullptr && !state->empty();
  std::vector<StreamID> ids(streams_count);
  std::vector<StreamObject*> streams(streams_count, nullptr);
  std::vector<StreamGroup*> groups(streams_count, nullptr);
  for (size_t j = 0; j < streams_count; ++j) {
    KeyLoc loc = ctx.Locate(keys[j]);
    bool wrong;
    streams[j] = FindStream(loc, keys[j], ctx.now_ms, true, &wrong);
    if (rerun) {
      if (xreadgroup && streams[j] == nullptr && keys[j] == WokenKey(ctx)) {
        return ctx.Error("UNBLOCKED the stream key no longer exists");
      }
      continue;
    }
    if (wrong) return ctx.Error(errors::kWrongType);
    if (xreadgroup) {
      auto g = streams[j] == nullptr ? nullptr : streams[j]->FindGroup(group_name);
      if (g == nullptr) {
        return ctx.Error(Cat({"NOGROUP No such key '", keys[j], "' or consumer group '", group_name,
                              "' in XREADGROUP with GROUP option"}));
      }
      groups[j] = g;
    }
    const std::string_view arg = argv[streams_arg + streams_count + j];
    if (arg == "$") {
      if (xreadgroup) {
        return ctx.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this "
            "consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return "
            "an empty result set.");
      }
      ids[j] = streams[j] == nullptr ? StreamID{} : streams[j]->last_id;
      continue;
    }
    if (arg == ">") {
      if (!xreadgroup) {
        return ctx.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> "
            "option.");
      }
      ids[j] = StreamID::Max();
      continue;
    }
    if (!ParseStrictIdOrReply(ctx, arg, 0, nullptr, &ids[j])) return;
  }
  if (rerun) {
    GetIds(*state, &ids);
    if (xreadgroup) {
      for (size_t j = 0; j < streams_count; ++j) {
        if (streams[j] == nullptr) continue;
        groups[j] = streams[j]->FindGroup(group_name);
        if (groups[j] == nullptr && keys[j] == WokenKey(ctx)) {
          return ctx.Error("NOGROUP the consumer group this client was blocked on no longer exists");
        }
      }
    }
  }

  // The streams to serve (Redis's "serve synchronously" test); on a re-run
  // only one: the one that woke us if it has data, as Redis serves a woken
  // reader from that key alone.
  std::vector<size_t> serve;
  std::vector<bool> history(streams_count, false);
  std::vector<StreamID> after(ids);
  for (size_t j = 0; j < streams_count; ++j) {
    StreamObject* s = streams[j];
    if (s == nullptr) continue;
    if (xreadgroup) {
      if (groups[j] == nullptr) continue;
      if (ids[j] != StreamID::Max()) {
        serve.push_back(j);
        history[j] = true;
      } else if (s->size() > 0 && s->last_entry_id() > groups[j]->last_id) {
        serve.push_back(j);
        after[j] = groups[j]->last_id;
      }
    } else if (s->size() > 0 && s->last_entry_id() > ids[j]) {
      serve.push_back(j);
    }
  }
  if (rerun && !serve.empty()) {
    size_t pick = serve.front();
    for (size_t j : serve) {
      if (keys[j] == WokenKey(ctx)) {
        pick = j;
        break;
      }
    }
    serve.assign(1, pick);
  }
  if (!serve.empty()) {
    if (ctx.session.resp == 2) {
      ctx.reply.ArrayHeader(serve.size());
    } else {
      ctx.reply.MapHeader(serve.size());
    }
    for (size_t j : serve) {
      if (ctx.session.resp == 2) ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(keys[j]);
      StreamID start = after[j];
      start.Incr();
      if (!xreadgroup) {
        ReplyRange(ctx, *streams[j], start, StreamID::Max(), count, false);
        continue;
      }
      bool created;
      StreamConsumer& consumer = streams[j]->LookupOrCreateConsumer(*groups[j], consumer_name, ctx.now_ms, &created);
      if (created) ctx.Notify(notify::kStream, "xgroup-createconsumer", keys[j]);
      if (history[j]) {
        ReplyConsumerHistory(ctx, *streams[j], *groups[j], consumer, start, count);
      } else {
        ReplyGroupRange(ctx, *streams[j], *groups[j], std::string(consumer_name), start, count, noack);
      }
      KeyLoc loc = ctx.Locate(keys[j]);
      loc->NoteChanged(keys[j], loc.hash);
    }
    return;
  }
  if (deadline != -1 && BlockOn(ctx, keys, deadline, /*wake_on_removal=*/xreadgroup)) {
    if (!rerun) PutIds(ids, state);
    return;
  }
  ctx.reply.NullArray();
}

void CmdXRead(CommandContext& ctx) { ReadGeneric(ctx, false); }
void CmdXReadGroup(CommandContext& ctx) { ReadGeneric(ctx, true); }

}  // namespace

void RegisterStreamFamily(CommandTable& t) {
  t.Register({"xadd", -5, kWrite | kDenyOom | kFast, 1, 1, 1, CmdXAdd, "@write @stream @fast", "stream", "5.0.0"});
  t.Register({"xlen", 2, kReadOnly | kFast, 1, 1, 1, CmdXLen, "@read @stream @fast", "stream", "5.0.0"});
  t.Register({"xrange", -4, kReadOnly, 1, 1, 1, CmdXRange, "@read @stream @slow", "stream", "5.0.0"});
  t.Register({"xrevrange", -4, kReadOnly, 1, 1, 1, CmdXRevRange, "@read @stream @slow", "stream", "5.0.0"});
  t.Register({"xdel", -3, kWrite | kFast, 1, 1, 1, CmdXDel, "@write @stream @fast", "stream", "5.0.0"});
  t.Register({"xtrim", -4, kWrite, 1, 1, 1, CmdXTrim, "@write @stream @slow", "stream", "5.0.0"});
  t.Register({"xsetid", -3, kWrite | kDenyOom | kFast, 1, 1, 1, CmdXSetId, "@write @stream @fast", "stream",
              "5.0.0"});
  // Keys: the first half of the arguments after STREAMS (engine/command.h:
  // streams_keyword_from), as Redis's (0, 0, 0) triple plus its key spec.
  t.Register({.name = "xread", .arity = -4, .flags = kReadOnly | kBlocking, .first_key = 0, .last_key = 0,
              .key_step = 0, .handler = CmdXRead, .acl_categories = "@read @stream @slow @blocking",
              .group = "stream", .since = "5.0.0", .streams_keyword_from = 1});
  t.Register({.name = "xreadgroup", .arity = -7, .flags = kWrite | kBlocking, .first_key = 0, .last_key = 0,
              .key_step = 0, .handler = CmdXReadGroup, .acl_categories = "@write @stream @slow @blocking",
              .group = "stream", .since = "5.0.0", .streams_keyword_from = 4});
  RegisterStreamGroupFamily(t);
}

}  // namespace stockd::engine
