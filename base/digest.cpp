#include "base/digest.hpp"

#include <cctype>
#include <vector>

#include <openssl/evp.h>

namespace shipwatch {

std::string sha256_hex(std::string_view data) {
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), hash, &length, EVP_sha256(), nullptr) != 1) return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[hash[i] >> 4];
        out += hex[hash[i] & 0x0f];
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string compact;
    compact.reserve(text.size() + 3);
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
    // EVP_DecodeBlock wants whole 4-character groups; restore padding some encoders drop.
    if (compact.size() % 4 == 1) return std::nullopt;
    while (compact.size() % 4 != 0) compact += '=';
    if (compact.empty()) return std::string();

    std::vector<unsigned char> out(compact.size() / 4 * 3);
    int written = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(compact.data()),
                                  static_cast<int>(compact.size()));
    if (written < 0) return std::nullopt;
    // It counts the padding as zero bytes; drop one per '='.
    size_t padding = 0;
    for (size_t i = compact.size(); i > 0 && compact[i - 1] == '='; --i) ++padding;
    if (padding > 2) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(written) - padding);
}

}  // namespace shipwatch
