// engine/lua/scripting_functions.cc — the function-library catalog (FUNCTION
// LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE) and FCALL runs (see scripting.h).
// The catalog is the truth; each per-P LuaState loads a library's code the
// first time one of its functions runs there (or again after a REPLACE).
#include <algorithm>

#include "engine/args.h"
#include "engine/lua/scripting.h"
#include "engine/lua/scripting_lease.h"
#include "protocol/inline_split.h"

namespace stockd::engine::lua {
namespace {

bool ValidLibraryName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

// The code after the "#!lua name=..." line (Redis hands the engine the rest).
// The code after the metadata line, from that line's newline on (as Redis's
// functionExtractLibMetaData): line numbers in errors count the "#!" line.
std::string_view LibraryBody(std::string_view code) {
  size_t nl = code.find('\n');
  return nl == std::string_view::npos ? std::string_view() : code.substr(nl);
}

}  // namespace

// Redis 7.0's functionExtractLibMetaData, then the engine lookup: the first
// line is split as sdssplitargs splits (quotes included), "name=" is matched
// without regard to case and may come once, the engine name likewise.
bool Scripting::ParseLibrary(std::string_view code, LibraryInfo* lib, std::string* error) {
  if (code.substr(0, 2) != "#!") {
    *error = "ERR Missing library metadata";
    return false;
  }
  const size_t nl = code.find('\n');
  std::string shebang(code.substr(0, nl));
  std::vector<std::string_view> parts;
  if (nl == std::string_view::npos || !protocol::SplitInlineArgs(shebang.data(), shebang.size(), &parts) ||
      parts.empty()) {
    *error = "ERR Invalid library metadata";
    return false;
  }
  bool named = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (EqualsIgnoreCase(parts[i].substr(0, 5), "name=")) {
      if (named) {
        *error = "ERR Invalid metadata value, name argument was given multiple times";
        return false;
      }
      named = true;
      lib->name = std::string(parts[i].substr(5));
    } else {
      *error = "ERR Invalid metadata value given: " + std::string(parts[i]);
      return false;
    }
  }
  if (!named) {
    *error = "ERR Library name was not given";
    return false;
  }
  const std::string_view engine = parts[0].substr(2);
  if (!EqualsIgnoreCase(engine, "lua")) {
    *error = "ERR Engine '" + std::string(engine) + "' not found";
    return false;
  }
  if (!ValidLibraryName(lib->name)) {
    *error = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
    return false;
  }
  lib->code = std::string(code);
  return true;
}

bool Scripting::LoadLibrary(std::string_view code, bool replace, std::string* name,
                            std::string* error) {
  LibraryInfo lib;
  if (!ParseLibrary(code, &lib, error)) return false;
  *name = lib.name;
  {
    std::lock_guard<std::mutex> lock(libs_mu_);
    if (!replace && libraries_.count(lib.name) != 0) {
      *error = "ERR Library '" + lib.name + "' already exists";
      return false;
    }
  }
  {
    // Validate by loading it in a state (which keeps it, at the new version below).
    Lease lease(*this);
    std::vector<LuaState::FunctionInfo> functions;
    if (!lease.state().LoadLibrary(lib.name, LibraryBody(lib.code), &functions, error)) return false;
    lib.functions = std::move(functions);
    std::lock_guard<std::mutex> lock(libs_mu_);
    if (!replace && libraries_.count(lib.name) != 0) {
      *error = "ERR Library '" + lib.name + "' already exists";
      return false;
    }
    for (const auto& f : lib.functions) {
      auto it = functions_.find(f.name);
      if (it != functions_.end() && it->second.first != lib.name) {
        *error = "ERR Function " + f.name + " already exists";
        lease.state().UnloadLibrary(lib.name);
        return false;
      }
    }
    auto old = libraries_.find(lib.name);
    if (old != libraries_.end()) {
      for (const auto& f : old->second.functions) functions_.erase(f.name);
    }
    for (const auto& f : lib.functions) functions_[f.name] = {lib.name, f.flags};
    const uint64_t version = next_lib_version_++;
    lib_versions_[lib.name] = version;
    lease.state().SetLibraryVersion(lib.name, version);
    libraries_[lib.name] = std::move(lib);
  }
  libraries_changes_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

bool Scripting::DeleteLibrary(std::string_view name) {
  std::lock_guard<std::mutex> lock(libs_mu_);
  auto it = libraries_.find(std::string(name));
  if (it == libraries_.end()) return false;
  for (const auto& f : it->second.functions) functions_.erase(f.name);
  lib_versions_[it->first] = next_lib_version_++;  // states drop their copy lazily
  libraries_.erase(it);
  libraries_changes_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void Scripting::FlushLibraries() {
  std::lock_guard<std::mutex> lock(libs_mu_);
  libraries_.clear();
  functions_.clear();
  for (auto& [name, v] : lib_versions_) v = next_lib_version_++;
  libraries_changes_.fetch_add(1, std::memory_order_acq_rel);
}

std::vector<LibraryInfo> Scripting::Libraries() const {
  std::lock_guard<std::mutex> lock(libs_mu_);
  std::vector<LibraryInfo> out;
  for (const auto& [name, lib] : libraries_) out.push_back(lib);
  return out;
}

bool Scripting::RestoreLibraries(const std::vector<std::string>& codes, RestorePolicy policy,
                                 std::string* error) {
  // Validate every library before changing anything.
  std::vector<LibraryInfo> parsed;
  for (const std::string& code : codes) {
    LibraryInfo lib;
    if (!ParseLibrary(code, &lib, error)) return false;
    parsed.push_back(std::move(lib));
  }
  if (policy == RestorePolicy::kAppend) {
    std::lock_guard<std::mutex> lock(libs_mu_);
    for (const auto& lib : parsed) {
      if (libraries_.count(lib.name) != 0) {
        *error = "ERR Library " + lib.name + " already exists";
        return false;
      }
    }
  }
  if (policy == RestorePolicy::kFlush) FlushLibraries();
  for (const auto& lib : parsed) {
    std::string name;
    if (!LoadLibrary(lib.code, policy != RestorePolicy::kAppend, &name, error)) return false;
  }
  return true;
}

void Scripting::FCall(CommandContext& ctx, bool read_only) {
  int64_t n;
  if (!ParseInt64Arg(ctx.argv[2], &n)) {
    ctx.Error("ERR value is not an integer or out of range");
    return;
  }
  if (n < 0) {
    ctx.Error("ERR Number of keys can't be negative");
    return;
  }
  if (n > static_cast<int64_t>(ctx.argv.size()) - 3) {
    ctx.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  const int numkeys = static_cast<int>(n);
  const std::string fname(ctx.argv[1]);
  std::string library;
  std::string code;
  uint32_t flags = 0;
  uint64_t version = 0;
  {
    std::lock_guard<std::mutex> lock(libs_mu_);
    auto it = functions_.find(fname);
    if (it == functions_.end()) {
      ctx.Error("ERR Function not found");
      return;
    }
    library = it->second.first;
    flags = it->second.second;
    version = lib_versions_.at(library);
  }
  if (read_only && !(flags & kNoWrites)) {
    ctx.Error("ERR Can not execute a script with write flag using *_ro command.");
    return;
  }
  auto prepare = [&](LuaState& state) {  // before the locks: load the library here if needed
    if (state.HasLibrary(library, version)) return true;
    {
      std::lock_guard<std::mutex> lock(libs_mu_);
      auto it = libraries_.find(library);
      if (it == libraries_.end() || lib_versions_.at(library) != version) {
        ctx.Error("ERR Function not found");  // deleted or replaced meanwhile
        return false;
      }
      code = it->second.code;
    }
    std::vector<LuaState::FunctionInfo> functions;
    std::string error;
    if (!state.LoadLibrary(library, LibraryBody(code), &functions, &error)) {
      ctx.Error(error);
      return false;
    }
    state.SetLibraryVersion(library, version);
    return true;
  };
  Run(ctx, read_only || (flags & kNoWrites), true, fname, numkeys, prepare,
      [&](LuaState& state, ScriptRun& run, std::string* err) {
        state.RunFunction(run, library, fname, ctx.argv.subspan(3, static_cast<size_t>(numkeys)),
                          ctx.argv.subspan(3 + static_cast<size_t>(numkeys)), ctx.reply, err);
      });
}

}  // namespace stockd::engine::lua
