// storage/storage_family.h — SAVE, BGSAVE, LASTSAVE and the INFO
// "persistence" section, backed by a Persister.
//
// SAVE and BGSAVE make a RocksDB checkpoint of everything written before the
// command under <dir>/checkpoint-<unixtime>[-n] (FORMAT.md "Checkpoints"):
// SAVE replies +OK when it is complete; BGSAVE replies "+Background saving
// started" and checkpoints on a fiber (one at a time, like Redis).
// LASTSAVE answers the unix time of the last successful checkpoint (the start
// time before the first one, as Redis does).
#pragma once

#include <string>

#include "engine/command.h"
#include "storage/persister.h"
#include "storage/store.h"

namespace stockd::storage {

// Registers the commands. `persister` must outlive the table's use.
// REQUIRES: before serving.
void RegisterStorageFamily(engine::CommandTable& table, Persister* persister, std::string dir);

// The lines of INFO persistence ("field:value\r\n").
void AppendPersistenceInfo(const Persister& persister, const LoadStats& load, std::string& out);

}  // namespace stockd::storage
