// The process's own stdout and stderr as the last edge text passes: a stream buffer that writes
// through to another with every hidden control made visible (model/visible.hpp), so no line any
// command prints — a wait progress line, a config error echoing a key, a usage error — can move
// the cursor, set the window title, write the clipboard or reverse what follows. Newlines stay,
// and so do the exact escape sequences the program itself emits (the text report's colours),
// given at construction; anything else that starts with ESC is written out as text.
#pragma once

#include <streambuf>
#include <string>
#include <vector>

namespace shipwatch {

class VisibleStreambuf : public std::streambuf {
public:
    VisibleStreambuf(std::streambuf* target, std::vector<std::string> own_sequences = {});
    ~VisibleStreambuf() override;

protected:
    int_type overflow(int_type ch) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;
    int sync() override;

private:
    void take(char c);
    void emit_pending();
    void write_out();

    static constexpr size_t kChunk = 8192;
    bool could_be_own(const std::string& prefix) const;

    std::streambuf* target_;
    std::vector<std::string> own_;
    std::string pending_;  // an unfinished UTF-8 character or escape sequence
    std::string buffer_;  // shown text not yet written to the target
};

}  // namespace shipwatch
