// protocol/inline_split.h — Redis's sdssplitargs, decoding in place.
//
// SplitInlineArgs(line, len, argv) splits one inline request line (without
// its "\r\n") into arguments exactly as Redis 7's sdssplitargs does:
//  * blanks (isspace in the C locale) separate arguments;
//  * an unquoted argument ends at ' ', '\t', '\r', '\n' or NUL;
//  * "double quotes": \xHH (two hex digits), \n \r \t \b \a, and \<c> for any
//    other c gives c; 'single quotes': only \' is an escape;
//  * a quote may start in the middle of an argument ("a"b"" style is invalid
//    only because a closing quote must be followed by a blank or the end);
//  * a NUL byte ends the line (sdssplitargs works on C strings).
// Decoded arguments are never longer than their source, so they are written
// over the line itself; argv gets views into `line`. Returns false for
// unbalanced quotes (argv then holds the arguments found before).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace stockd::protocol {

bool SplitInlineArgs(char* line, size_t len, std::vector<std::string_view>* argv);

}  // namespace stockd::protocol
