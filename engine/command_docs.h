// engine/command_docs.h — what COMMAND DOCS and COMMAND INFO say about a
// command beyond its CommandSpec row: summary, complexity, history and the
// argument tree (redis-cli builds its hints from them), and COMMAND INFO's
// tips and key specifications (cluster-aware clients route by them), in
// Redis 7.0's terms.
//
// Invariant: every command and subcommand in the table has exactly one doc,
// and it is the only place its summary is written. For a command Redis 7.0
// also has, the doc is redis-server 7.0's own, generated into
// command_docs_data.inc by tools/gen_command_docs.py (never edited by hand);
// stockd's own commands (STOCK.*, ORDER.*, CL.THROTTLE) are documented by hand
// in command_docs.cc, in the same format. since, group, doc_flags and
// deprecation stay in CommandSpec (the engine reads the group).
//
// Key specs only describe a command to clients: the dispatcher locks the keys
// of CommandSpec's first/last/step and numkeys_at (engine/command.h), never
// these (Redis's specs name keys stockd's locking need not: SORT ... STORE's
// "unknown" one, say).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace stockd::engine {

// An argument's "type", as Redis names it (ArgTypeName).
enum class ArgType : uint8_t { kString, kInteger, kDouble, kKey, kPattern, kUnixTime, kPureToken, kOneOf, kBlock };
std::string_view ArgTypeName(ArgType t);

// An argument's "flags" bits, printed in this order.
enum ArgFlag : uint8_t { kArgOptional = 1, kArgMultiple = 2, kArgMultipleToken = 4 };

// One node of an argument tree; an empty string field is absent from the
// reply, as is key_spec_index -1. args: the children of a kOneOf / kBlock.
struct CommandArg {
  std::string_view name;
  ArgType type = ArgType::kString;
  int key_spec_index = -1;
  std::string_view token = {};
  std::string_view summary = {};
  std::string_view since = {};
  std::string_view deprecated_since = {};
  uint8_t flags = 0;
  std::span<const CommandArg> args = {};
};

struct CommandHistory {
  std::string_view version;
  std::string_view change;
};

// A key spec's "flags" bits, printed in this order (Redis's
// addReplyFlagsForKeyArgs): RO RW OW RM access update insert delete not_key
// incomplete variable_flags.
enum KeySpecFlag : uint16_t {
  kKeyRO = 1 << 0,
  kKeyRW = 1 << 1,
  kKeyOW = 1 << 2,
  kKeyRM = 1 << 3,
  kKeyAccess = 1 << 4,
  kKeyUpdate = 1 << 5,
  kKeyInsert = 1 << 6,
  kKeyDelete = 1 << 7,
  kKeyNotKey = 1 << 8,
  kKeyIncomplete = 1 << 9,
  kKeyVariableFlags = 1 << 10,
};
// Their names, indexed by bit.
std::span<const std::string_view> KeySpecFlagNames();

// How a key spec finds its first key (begin_search) and then the keys
// (find_keys); kUnknown prints an empty spec.
enum class KeyBegin : uint8_t { kUnknown, kIndex, kKeyword };
enum class KeyFind : uint8_t { kUnknown, kRange, kKeynum };

// One key specification, as COMMAND INFO prints it (addReplyCommandKeySpecs):
// notes (absent when empty), flags, begin_search {index} or {keyword,
// startfrom}, find_keys {lastkey, keystep, limit} or {keynumidx, firstkey,
// keystep}. Fields a type does not print are ignored.
struct KeySpec {
  std::string_view notes = {};
  uint16_t flags = 0;
  KeyBegin begin = KeyBegin::kIndex;
  int index = 0;                     // kIndex: argv index of the first key
  std::string_view keyword = {};     // kKeyword: search this token ...
  int startfrom = 0;                 // ... from this index (negative: from the end, backwards)
  KeyFind find = KeyFind::kRange;
  int lastkey = 0;    // kRange: last key relative to the first (-1: the last argument)
  int keynumidx = 0;  // kKeynum: the count, relative to the begin_search index
  int firstkey = 0;   // kKeynum: the first key, relative to the begin_search index
  int keystep = 1;    // kRange and kKeynum
  int limit = 0;      // kRange with lastkey -1: 0 all, N 1/N of the remaining arguments
};

struct CommandDoc {
  std::string_view name;  // full name: "get", "client|list"
  std::string_view summary;
  std::string_view complexity = {};  // empty: not printed
  std::span<const CommandHistory> history = {};
  std::span<const CommandArg> args = {};  // empty: no "arguments" field
  std::span<const std::string_view> tips = {};  // COMMAND INFO's tips ("request_policy:all_shards")
  std::span<const KeySpec> key_specs = {};      // COMMAND INFO's key specifications
};

// The doc of a command by its full lowercase name; nullptr when it has none
// (a test checks every registered command has one).
const CommandDoc* FindCommandDoc(std::string_view full_name);

}  // namespace stockd::engine
