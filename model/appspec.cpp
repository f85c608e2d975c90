#include "model/appspec.hpp"

#include <regex>
#include <vector>

#include <fmt/format.h>

namespace shipwatch {
namespace {

// The AppSpec's tokens: scalars (plain or quoted), the mapping colon and the flow punctuation.
// Newlines, list dashes and comments carry nothing this reader needs, beyond where a line starts.
struct Token {
    enum Kind { scalar, colon, punct } kind = scalar;
    std::string text;
    bool line_start = false;  // the first token of its line (a block key, or a value on its own line)
};

class Scanner {
public:
    explicit Scanner(std::string_view s) : s_(s) {}

    // False when a quoted scalar is not closed: the content is broken, nothing in it is trusted.
    bool run(std::vector<Token>& out) {
        bool line_start = true, after_quoted = false;
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (c == '\n') {
                line_start = true;
                after_quoted = false;
                ++pos_;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++pos_;
            } else if (c == '#') {
                while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
            } else if (c == '-' && separated(pos_ + 1)) {
                ++pos_;  // a block list item: its mapping's keys follow on this line
            } else if (c == ':' && (after_quoted || separated(pos_ + 1))) {
                out.push_back({Token::colon, ":", line_start});
                ++pos_;
                line_start = after_quoted = false;
            } else if (c == '{' || c == '}' || c == '[' || c == ']' || c == ',') {
                depth_ += c == '{' || c == '[' ? 1 : c == '}' || c == ']' ? -1 : 0;
                out.push_back({Token::punct, std::string(1, c), line_start});
                ++pos_;
                line_start = after_quoted = false;
            } else {
                Token t{Token::scalar, {}, line_start};
                if (c == '"' || c == '\'') {
                    if (!(c == '"' ? double_quoted(t.text) : single_quoted(t.text))) return false;
                    after_quoted = true;
                } else {
                    t.text = plain();
                    after_quoted = false;
                }
                out.push_back(std::move(t));
                line_start = false;
            }
        }
        return true;
    }

private:
    // A ':' or '-' is an indicator only when whitespace (or, in flow style, punctuation) follows.
    bool separated(size_t at) const {
        if (at >= s_.size()) return true;
        char n = s_[at];
        return n == ' ' || n == '\t' || n == '\r' || n == '\n' || (depth_ > 0 && (n == ',' || n == '}' || n == ']'));
    }

    bool flow_end(char c) const { return depth_ > 0 && (c == ',' || c == '}' || c == ']'); }

    std::string plain() {
        size_t start = pos_;
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (c == '\n' || flow_end(c) || (c == ':' && separated(pos_ + 1))) break;
            if (c == '#' && pos_ > start && (s_[pos_ - 1] == ' ' || s_[pos_ - 1] == '\t')) break;
            ++pos_;
        }
        std::string_view v = s_.substr(start, pos_ - start);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
        return std::string(v);
    }

    // JSON's escapes (YAML's double-quoted style shares them); \u beyond ASCII reads as U+FFFD's
    // first byte, which no valid value holds.
    bool double_quoted(std::string& out) {
        ++pos_;
        while (pos_ < s_.size()) {
            char c = s_[pos_++];
            if (c == '"') return true;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) return false;
            char e = s_[pos_++];
            switch (e) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': {
                    if (pos_ + 4 > s_.size()) return false;
                    unsigned code = 0;
                    for (char h : s_.substr(pos_, 4)) {
                        int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                        if (d < 0) return false;
                        code = code * 16 + static_cast<unsigned>(d);
                    }
                    pos_ += 4;
                    out += code < 0x80 ? static_cast<char>(code) : '\xEF';
                    break;
                }
                default: out += e;  // \" \\ \/ and YAML's others as themselves
            }
        }
        return false;
    }

    bool single_quoted(std::string& out) {
        ++pos_;
        while (pos_ < s_.size()) {
            char c = s_[pos_++];
            if (c != '\'') {
                out += c;
            } else if (pos_ < s_.size() && s_[pos_] == '\'') {
                out += '\'';  // '' is a quote
                ++pos_;
            } else {
                return true;
            }
        }
        return false;
    }

    std::string_view s_;
    size_t pos_ = 0;
    int depth_ = 0;  // flow collections open
};

// The values of every `key:` that is one string; `not_string` counts those that are not.
struct Values {
    std::vector<std::string> strings;
    int not_string = 0;
};

Values values_of(const std::vector<Token>& toks, std::string_view key) {
    Values out;
    for (size_t i = 0; i + 1 < toks.size(); ++i) {
        if (toks[i].kind != Token::scalar || toks[i].text != key || toks[i + 1].kind != Token::colon) continue;
        const Token* v = i + 2 < toks.size() ? &toks[i + 2] : nullptr;
        // A scalar on its own line followed by ':' is the first key of a nested mapping (or the
        // next key, when this one is empty).
        bool mapping = v && v->line_start && i + 3 < toks.size() && toks[i + 3].kind == Token::colon;
        if (!v || v->kind != Token::scalar || mapping || v->text.empty())
            ++out.not_string;
        else
            out.strings.push_back(v->text);
    }
    return out;
}

bool is_task_definition(const std::string& v) {
    static const std::regex arn(
        R"(arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]{1,255}:[0-9]{1,9})");
    static const std::regex family_revision(R"([A-Za-z0-9_-]{1,255}:[0-9]{1,9})");
    return std::regex_match(v, arn) || std::regex_match(v, family_revision);
}

bool is_placeholder(const std::string& v) {
    static const std::regex placeholder(R"(<[A-Za-z0-9_]{1,64}>)");
    return std::regex_match(v, placeholder);
}

std::string untold_task_definition(const Values& td) {
    if (td.strings.empty() && td.not_string == 0) return "the AppSpec names no TaskDefinition";
    if (td.strings.empty()) return "the AppSpec's TaskDefinition is not one string";
    for (const auto& v : td.strings)
        if (v != td.strings.front()) return fmt::format("the AppSpec names {} task definitions", td.strings.size());
    const std::string& v = td.strings.front();
    if (is_placeholder(v))
        return fmt::format("the AppSpec's TaskDefinition is the placeholder {} (filled in where the deployment was "
                           "made, e.g. by CodePipeline)", v);
    if (!is_task_definition(v))
        return fmt::format("the AppSpec's TaskDefinition \"{}\" is not a task definition ARN", visible_text(v));
    return "";
}

}  // namespace

std::string visible_text(std::string_view text, size_t max) {
    std::string out;
    for (unsigned char c : text.substr(0, max)) {
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
    if (text.size() > max) out += "…";
    return out;
}

AppSpecTarget read_appspec(std::string_view content) {
    AppSpecTarget out;
    std::vector<Token> toks;
    if (content.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        out.untold = "the AppSpec is empty";
        return out;
    }
    if (!Scanner(content).run(toks)) {
        out.untold = "the AppSpec is not valid YAML or JSON (a quoted string is not closed)";
        return out;
    }
    Values td = values_of(toks, "TaskDefinition");
    out.untold = untold_task_definition(td);
    if (out.untold.empty()) out.task_definition = td.strings.front();

    static const std::regex name(R"([A-Za-z0-9_-]{1,255})");
    Values container = values_of(toks, "ContainerName");
    if (!container.strings.empty() && std::regex_match(container.strings.front(), name))
        out.container_name = container.strings.front();
    Values port = values_of(toks, "ContainerPort");
    static const std::regex digits("[0-9]{1,5}");
    if (!port.strings.empty() && std::regex_match(port.strings.front(), digits))
        if (int p = std::stoi(port.strings.front()); p > 0 && p <= 65535) out.container_port = p;
    return out;
}

}  // namespace shipwatch
