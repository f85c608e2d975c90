// The encoder and the decoder walk the member lists of wire_members.hpp; each kind of value
// (text, integer, time, state, list, map, object) is written and read in one place below.
#include "wire/wire.hpp"

#include <fmt/format.h>

#include <limits>
#include <map>
#include <type_traits>

#include "model/visible.hpp"
#include "wire/wire_members.hpp"

namespace shipwatch::wire {
namespace {

using nlohmann::json;
using detail::members;
using detail::names;

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_map : std::false_type {};
template <class T>
struct is_map<std::map<std::string, T>> : std::true_type {};
template <class T>
struct is_api_enum : std::false_type {};
template <class E>
struct is_api_enum<ApiEnum<E>> : std::true_type {};

// ---- encoding ---------------------------------------------------------------------------------

template <class T>
json write(const T& x);

struct MemberWriter {
    json& out;
    template <class T>
    void operator()(std::string_view name, const T& member) {
        if constexpr (is_optional<T>::value) {
            // A frame's pipeline says outright that it has no snapshot yet; other absent members are left out.
            if constexpr (std::is_same_v<T, std::optional<PipelineSnapshot>>)
                if (!member) out[std::string(name)] = nullptr;
            if (member) out[std::string(name)] = write(*member);
        } else {
            out[std::string(name)] = write(member);
        }
    }
};

template <class T>
json write(const T& x) {
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> || std::is_arithmetic_v<T>) {
        return x;
    } else if constexpr (std::is_same_v<T, TimePoint>) {
        return x.time_since_epoch().count();
    } else if constexpr (std::is_same_v<T, Duration>) {
        return x.count();
    } else if constexpr (is_api_enum<T>::value) {
        return x.text;
    } else if constexpr (std::is_enum_v<T>) {
        for (const auto& row : names(T{}))
            if (row.value == x) return std::string(row.text);
        return static_cast<int>(x);  // no such value: the decoder refuses it
    } else if constexpr (is_vector<T>::value) {
        json out = json::array();
        for (const auto& item : x) out.push_back(write(item));
        return out;
    } else if constexpr (is_map<T>::value) {
        json out = json::object();
        for (const auto& [key, item] : x) out[key] = write(item);
        return out;
    } else {
        json out = json::object();
        MemberWriter writer{out};
        members(writer, const_cast<T&>(x));  // the lists take members by reference; the writer only reads them
        return out;
    }
}

// ---- decoding ---------------------------------------------------------------------------------

// Reads values into their C++ types, keeping the path of the member being read for the one error.
class Reader {
public:
    bool failed() const { return error_.has_value(); }
    Error error() const { return error_of(ErrorKind::parse, "parse", *error_); }

    void fail(std::string_view what) {
        if (!error_) error_ = fmt::format("{}: {}", path_.empty() ? "the document" : path_, what);
    }

    // Appends one step to the path while it lives.
    class Step {
    public:
        Step(Reader& r, std::string_view step) : r_(r), size_(r.path_.size()) { r.path_ += step; }
        ~Step() { r_.path_.resize(size_); }
        Step(const Step&) = delete;
        Step& operator=(const Step&) = delete;

    private:
        Reader& r_;
        size_t size_;
    };
    Step member(std::string_view name) { return Step(*this, path_.empty() ? std::string(name) : "." + std::string(name)); }
    Step index(size_t i) { return Step(*this, fmt::format("[{}]", i)); }
    Step key(std::string_view k) { return Step(*this, fmt::format("[\"{}\"]", visible(k))); }

    template <class T>
    void read(const json& j, T& out);

private:
    template <class T>
    void read_integer(const json& j, T& out);
    template <class E>
    void read_name(const json& j, E& out);

    std::string path_;
    std::optional<std::string> error_;
};

struct MemberReader {
    Reader& r;
    const json& object;
    template <class T>
    void operator()(std::string_view name, T& member) {
        if (r.failed()) return;
        auto step = r.member(name);
        auto it = object.find(name);
        if constexpr (is_optional<T>::value) {
            member.reset();
            if (it == object.end() || it->is_null()) return;
            r.read(*it, member.emplace());
        } else {
            if (it == object.end()) return r.fail("missing");
            r.read(*it, member);
        }
    }
};

template <class T>
void Reader::read_integer(const json& j, T& out) {
    using Limits = std::numeric_limits<T>;
    if (!j.is_number_integer()) return fail("expected an integer");
    // nlohmann holds an integer as unsigned or signed (a parsed non-negative one: unsigned).
    bool fits = false;
    if (j.is_number_unsigned()) {
        fits = j.get<uint64_t>() <= uint64_t(Limits::max());
    } else {
        int64_t v = j.get<int64_t>();
        fits = v < 0 ? Limits::is_signed && v >= int64_t(Limits::min()) : uint64_t(v) <= uint64_t(Limits::max());
    }
    if (!fits) return fail(fmt::format("expected an integer from {} to {}", Limits::min(), Limits::max()));
    out = j.get<T>();
}

template <class E>
void Reader::read_name(const json& j, E& out) {
    if (!j.is_string()) return fail("expected a string");
    const auto& text = j.get_ref<const std::string&>();
    if (const E* value = find_spelling(names(E{}), text)) {
        out = *value;
        return;
    }
    std::string known;
    for (const auto& row : names(E{})) known += (known.empty() ? "" : ", ") + std::string(row.text);
    fail(fmt::format("unknown value \"{}\" (expected one of {})", visible(text.substr(0, 64)), known));
}

template <class T>
void Reader::read(const json& j, T& out) {
    if (failed()) return;
    if constexpr (std::is_same_v<T, std::string>) {
        if (!j.is_string()) return fail("expected a string");
        out = j.get<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!j.is_boolean()) return fail("expected true or false");
        out = j.get<bool>();
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!j.is_number()) return fail("expected a number");
        out = j.get<T>();
    } else if constexpr (std::is_integral_v<T>) {
        read_integer(j, out);
    } else if constexpr (std::is_same_v<T, TimePoint> || std::is_same_v<T, Duration>) {
        int64_t ticks = 0;
        read_integer(j, ticks);
        out = T(Duration(ticks));
    } else if constexpr (is_api_enum<T>::value) {
        if (!j.is_string()) return fail("expected a string");
        out = T(j.get<std::string>());  // through the state's spelling table: unknown text stays unknown
    } else if constexpr (std::is_enum_v<T>) {
        read_name(j, out);
    } else if constexpr (is_optional<T>::value) {
        if (j.is_null()) return out.reset();
        read(j, out.emplace());
    } else if constexpr (is_vector<T>::value) {
        if (!j.is_array()) return fail("expected an array");
        out.assign(j.size(), {});
        for (size_t i = 0; i < j.size() && !failed(); ++i) {
            auto step = index(i);
            read(j[i], out[i]);
        }
    } else if constexpr (is_map<T>::value) {
        if (!j.is_object()) return fail("expected an object");
        out.clear();
        for (const auto& [k, item] : j.items()) {
            auto step = key(k);
            read(item, out[k]);
            if (failed()) return;
        }
    } else {
        if (!j.is_object()) return fail("expected an object");
        MemberReader reader{*this, j};
        members(reader, out);
    }
}

// Reads a whole document. The reader checks every type before it takes a value, so nlohmann has
// nothing to throw; the catch keeps that promise if a case was missed.
template <class T>
Result<T> decode(const json& document, void (*check)(Reader&, const json&) = nullptr) {
    try {
        Reader reader;
        if (check) check(reader, document);
        T out{};
        reader.read(document, out);
        if (reader.failed()) return reader.error();
        return out;
    } catch (const std::exception& e) {
        return error_of(ErrorKind::parse, "parse", fmt::format("the document: {}", e.what()));
    }
}

// The version first (another version's document means nothing member by member), then the bounds
// on the lists, before a single entry is read.
void check_frame(Reader& r, const json& document) {
    if (!document.is_object()) return r.fail("expected an object");
    auto version = document.find("wire");
    {
        auto step = r.member("wire");
        if (version == document.end()) return r.fail("missing");
        if (!version->is_number_integer()) return r.fail("expected an integer");
        if (*version != kWireVersion)
            return r.fail(fmt::format("the server speaks wire version {}; this shipwatch speaks version {}",
                                      version->dump(), kWireVersion));
    }
    for (const char* list : {"sources", "pipelines"}) {
        auto it = document.find(list);
        if (it == document.end() || !it->is_array() || it->size() <= kMaxFrameEntries) continue;
        auto step = r.member(list);
        return r.fail(fmt::format("{} entries, more than the {} a frame may hold", it->size(), kMaxFrameEntries));
    }
}

json frame_pipeline(const std::string& name, bool refreshing, const PipelineSnapshot* snapshot) {
    return {{"name", name}, {"refreshing", refreshing}, {"snapshot", snapshot ? write(*snapshot) : json(nullptr)}};
}

}  // namespace

json encode(const PipelineSnapshot& snapshot) { return write(snapshot); }

Result<PipelineSnapshot> decode_snapshot(const json& document) { return decode<PipelineSnapshot>(document); }

json encode_frame(const Picture& picture, TimePoint server_now, double world_rate) {
    Frame header{picture.generation, picture.context, server_now, world_rate, picture.sources, {}};
    json out = encode(header);
    for (const auto& p : picture.pipelines)
        out["pipelines"].push_back(frame_pipeline(p.name, p.refreshing, p.analysis ? &p.analysis->snapshot : nullptr));
    return out;
}

json encode(const Frame& frame) {
    json out = write(frame);
    out["wire"] = kWireVersion;
    return out;
}

Result<Frame> decode_frame(const json& document) { return decode<Frame>(document, check_frame); }

}  // namespace shipwatch::wire
