// Applying one script step to the world: RFC 6902 operations plus `increment`, with keyed list
// segments (`/tasks/[taskArn=arn:...]/lastStatus`) resolved against the world as it is when the
// operation applies. Operations apply in place; each first notes how to undo itself (the value
// it replaces or removes, the member or element it adds), and a failing one undoes every earlier
// one in reverse, so a step applies whole or not at all without copying the whole world for
// every step (a generated fleet's world is megabytes, and a simulated week is thousands of
// steps) — nor the container it changes: a region's task definitions or target health of
// 10,000 pipelines are thousands of members each.
#include <functional>

#include <fmt/format.h>

#include "sim/handlers.hpp"

namespace shipwatch::sim::detail {
namespace {

using nlohmann::json;

std::string unescape(const std::string& token) {
    std::string out;
    for (size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
            out += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out += token[i];
        }
    }
    return out;
}

bool member_equals(const json& element, const std::string& member, const std::string& value) {
    if (!element.is_object()) return false;
    auto it = element.find(member);
    if (it == element.end()) return false;
    return it->is_string() ? it->get_ref<const std::string&>() == value : it->dump() == value;
}

// "/a/[k=v]/b" → "/a/3/b" where element 3 of /a is the one whose member k is v.
std::string resolve_keys(const json& state, const std::string& path) {
    if (path.find('[') == std::string::npos) return path;
    std::string out;
    const json* node = &state;
    size_t start = 1;  // after the leading '/'
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        const std::string token = path.substr(start, end - start);
        start = end + 1;
        if (token.size() > 2 && token.front() == '[' && token.back() == ']' && token.find('=') != std::string::npos) {
            const size_t eq = token.find('=');
            const std::string member = unescape(token.substr(1, eq - 1));
            const std::string value = unescape(token.substr(eq + 1, token.size() - eq - 2));
            if (!node || !node->is_array())
                throw std::invalid_argument(fmt::format("{} is not a list, so [{}=...] selects nothing", out.empty() ? "/" : out, member));
            size_t index = 0;
            while (index < node->size() && !member_equals((*node)[index], member, value)) ++index;
            if (index == node->size()) throw std::out_of_range(fmt::format("no element of {} has {} = {}", out, member, value));
            node = &(*node)[index];
            out += "/" + std::to_string(index);
            continue;
        }
        out += "/" + token;
        const std::string key = unescape(token);
        if (node && node->is_object()) {
            auto it = node->find(key);
            node = it == node->end() ? nullptr : &*it;
        } else if (node && node->is_array() && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos &&
                   std::stoull(key) < node->size()) {
            node = &(*node)[std::stoull(key)];
        } else {
            node = nullptr;
        }
    }
    return out;
}

// {"op":"increment","path":P,"value":N}: adds N to the number at P.
void increment(json& state, const json& op) {
    json::json_pointer pointer(op.at("path").get<std::string>());
    json& target = state.at(pointer);  // throws out_of_range when absent
    const json& by = op.at("value");
    if (!target.is_number() || !by.is_number())
        throw std::invalid_argument("increment needs a number at " + pointer.to_string());
    if (target.is_number_integer() && by.is_number_integer())
        target = target.get<long long>() + by.get<long long>();
    else
        target = target.get<double>() + by.get<double>();
}

// How to take one applied operation back.
using Undo = std::function<void(json&)>;

// Noted before the operation runs (the old value is read then), kept only once it succeeded.
// `move` and `copy` (no script uses them) save their containers whole.
Undo undo_of(const json& state, const std::string& name, const std::string& path, const std::string& from) {
    const json::json_pointer pointer(path);
    if (pointer.empty()) return [old = state](json& s) { s = old; };
    const json::json_pointer parent = pointer.parent_pointer();
    if (!state.contains(parent)) return {};  // the operation fails before it changes anything
    const json& container = state.at(parent);
    const std::string last = pointer.back();
    if (name == "move" || name == "copy") {
        std::vector<std::pair<json::json_pointer, json>> saved{{parent, container}};
        const json::json_pointer source = json::json_pointer(from).parent_pointer();
        if (state.contains(source)) saved.emplace_back(source, state.at(source));
        return [saved = std::move(saved)](json& s) {
            for (auto it = saved.rbegin(); it != saved.rend(); ++it) s[it->first] = it->second;
        };
    }
    const bool present = state.contains(pointer);
    const bool element = !last.empty() && last.find_first_not_of("0123456789") == std::string::npos;
    if (container.is_array() && !element && last != "-") return {};  // not an element: the operation fails
    if (name == "add" && container.is_array()) {
        const size_t at = last == "-" ? container.size() : std::stoul(last);
        return [parent, at](json& s) { s.at(parent).erase(at); };
    }
    if (name == "add" && !present) return [parent, last](json& s) { s.at(parent).erase(last); };
    if (!present) return {};  // replace, remove, increment of nothing: the operation fails
    if (name == "remove" && container.is_array())
        return [parent, index = std::stoul(last), old = state.at(pointer)](json& s) {
            auto& list = s.at(parent);
            list.insert(list.begin() + static_cast<std::ptrdiff_t>(index), old);
        };
    return [pointer, old = state.at(pointer)](json& s) { s[pointer] = old; };  // add over, replace, remove, increment
}

}  // namespace

void apply_patch(json& state, const json& patch, std::vector<std::string>& touched) {
    std::vector<Undo> done;  // of the operations applied so far, in order
    try {
        for (const json& original : patch) {
            json op = original;
            op["path"] = resolve_keys(state, op.at("path").get<std::string>());
            if (op.contains("from")) op["from"] = resolve_keys(state, op["from"].get<std::string>());
            const std::string name = op.value("op", "");
            const std::string path = op["path"].get<std::string>();
            Undo undo = name == "test" ? Undo{} : undo_of(state, name, path, op.value("from", ""));
            if (name == "increment") increment(state, op);
            else state.patch_inplace(json::array({op}));
            if (undo) done.push_back(std::move(undo));
            touched.push_back(op["path"].get<std::string>());
        }
    } catch (...) {
        for (auto it = done.rbegin(); it != done.rend(); ++it) (*it)(state);
        throw;
    }
}

}  // namespace shipwatch::sim::detail
