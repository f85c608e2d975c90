#include "base/visible_stream.hpp"

#include <algorithm>

#include "model/visible.hpp"

namespace shipwatch {
namespace {

// Bytes a UTF-8 character starting with `lead` takes; 1 for ASCII and for bytes that cannot lead.
size_t utf8_length(unsigned char lead) {
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
    if (lead >= 0xC2) return 2;
    return 1;
}

}  // namespace

VisibleStreambuf::VisibleStreambuf(std::streambuf* target, std::vector<std::string> own_sequences)
    : target_(target), own_(std::move(own_sequences)) {}

VisibleStreambuf::~VisibleStreambuf() {
    emit_pending();  // nothing will complete it now
    sync();
}

bool VisibleStreambuf::could_be_own(const std::string& prefix) const {
    return std::any_of(own_.begin(), own_.end(), [&](const std::string& seq) { return seq.rfind(prefix, 0) == 0; });
}

// Writes what is pending: an own sequence as it is, anything else made visible (an unfinished
// UTF-8 character as its bytes' escapes).
void VisibleStreambuf::emit_pending() {
    if (pending_.empty()) return;
    std::string out;
    if (std::find(own_.begin(), own_.end(), pending_) != own_.end()) out = pending_;
    else out = visible(pending_, /*keep_newlines=*/true);
    buffer_ += out;
    pending_.clear();
}

void VisibleStreambuf::take(char c) {
    const unsigned char b = static_cast<unsigned char>(c);
    if (!pending_.empty()) {
        if (pending_[0] == '\x1b') {
            pending_ += c;
            if (std::find(own_.begin(), own_.end(), pending_) != own_.end()) {
                emit_pending();
            } else if (!could_be_own(pending_)) {
                // Not one of ours: the ESC and what followed it are text, shown as such.
                std::string rest = pending_.substr(1);
                pending_.assign(1, '\x1b');
                emit_pending();
                for (char r : rest) take(r);
            }
            return;
        }
        if ((b & 0xC0) != 0x80) {
            // The character ended early: its bytes are shown, and this one starts afresh.
            emit_pending();
            take(c);
            return;
        }
        pending_ += c;
        if (pending_.size() >= utf8_length(static_cast<unsigned char>(pending_[0]))) emit_pending();
        return;
    }
    if (b == 0x1b && !own_.empty()) {
        pending_ = c;
        return;
    }
    if (b >= 0x20 && b < 0x7F) {
        buffer_ += c;
        return;
    }
    pending_ = c;
    if (utf8_length(b) == 1) emit_pending();
}

VisibleStreambuf::int_type VisibleStreambuf::overflow(int_type ch) {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    take(traits_type::to_char_type(ch));
    if (buffer_.size() >= kChunk) write_out();
    return ch;
}

std::streamsize VisibleStreambuf::xsputn(const char* s, std::streamsize n) {
    for (std::streamsize i = 0; i < n; ++i) take(s[i]);
    if (buffer_.size() >= kChunk) write_out();
    return n;
}

// Written on in chunks: stderr below is unbuffered, a byte at a time would be a write each.
void VisibleStreambuf::write_out() {
    if (buffer_.empty()) return;
    target_->sputn(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
}

int VisibleStreambuf::sync() {
    // An unfinished character stays pending across a flush; the next write may complete it.
    write_out();
    return target_->pubsync();
}

}  // namespace shipwatch
