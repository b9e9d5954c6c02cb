// engine/command_docs.h — what COMMAND DOCS says about a command beyond its
// CommandSpec row: summary, complexity, history and the argument tree, in
// Redis 7.0's terms (redis-cli builds its hints from the arguments).
//
// Invariant: every command and subcommand in the table has exactly one doc,
// and it is the only place its summary is written. For a command Redis 7.0
// also has, the doc is redis-server 7.0's own, generated into
// command_docs_data.inc by tools/gen_command_docs.py (never edited by hand);
// stockd's own commands (STOCK.*, ORDER.*, CL.THROTTLE) are documented by hand
// in command_docs.cc, in the same format. since, group, doc_flags and
// deprecation stay in CommandSpec (the engine reads the group).
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

struct CommandDoc {
  std::string_view name;  // full name: "get", "client|list"
  std::string_view summary;
  std::string_view complexity = {};  // empty: not printed
  std::span<const CommandHistory> history = {};
  std::span<const CommandArg> args = {};  // empty: no "arguments" field
};

// The doc of a command by its full lowercase name; nullptr when it has none
// (a test checks every registered command has one).
const CommandDoc* FindCommandDoc(std::string_view full_name);

}  // namespace stockd::engine
